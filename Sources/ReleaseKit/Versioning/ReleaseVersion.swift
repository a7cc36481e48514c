import Foundation
import SystemSupport

/// The version being released and the git facts that go into labels and tag rules.
package struct ReleaseVersion: Sendable, Equatable, Codable {
    package let version: SemanticVersion
    /// The git tag the version came from; `nil` for a snapshot.
    package let gitTag: String?
    /// Built from an untagged commit: only the full version tag, never `latest`.
    package let isSnapshot: Bool
    /// Full commit sha (`org.opencontainers.image.revision`).
    package let revision: String
    /// Commit time (`org.opencontainers.image.created`).
    package let created: Date
    /// Every semver tag in the repository (any commit), ascending by precedence.
    package let taggedVersions: [SemanticVersion]

    package init(
        version: SemanticVersion, gitTag: String?, isSnapshot: Bool, revision: String, created: Date,
        taggedVersions: [SemanticVersion]
    ) {
        self.version = version
        self.gitTag = gitTag
        self.isSnapshot = isSnapshot
        self.revision = revision
        self.created = created
        self.taggedVersions = taggedVersions
    }

    /// The highest non-prerelease version tagged in the repository.
    package var highestRelease: SemanticVersion? { taggedVersions.filter { !$0.isPrerelease }.max() }

    /// Image tags for this version under `rules`.
    package func imageTags(_ rules: TagRules) -> [String] {
        // A snapshot version is a prerelease, so the rules already give it only its own tag.
        rules.tags(for: version, released: taggedVersions)
    }
}

/// How `ReleaseVersion.resolve` treats untagged and dirty checkouts.
package struct VersionPolicy: Sendable, Equatable {
    /// Prefix of release tags in git (`v` for `v1.2.3`).
    package var gitTagPrefix: String
    /// Allow an untagged HEAD, versioned `0.0.0-snapshot-<shortsha>`.
    package var allowSnapshot: Bool
    /// Allow uncommitted changes.
    package var allowDirty: Bool
    /// Release this tag (it must point at HEAD) instead of the highest one on HEAD; CI passes
    /// the pushed tag so a commit tagged both `v1.1.0-rc.1` and `v1.1.0` releases the right one.
    package var requestedTag: String?

    package init(gitTagPrefix: String = "v", allowSnapshot: Bool = false, allowDirty: Bool = false, requestedTag: String? = nil) {
        self.gitTagPrefix = gitTagPrefix
        self.allowSnapshot = allowSnapshot
        self.allowDirty = allowDirty
        self.requestedTag = requestedTag
    }
}

extension ReleaseVersion {
    /// Applies the release rules to a repository state: a tagged HEAD gives that version,
    /// an untagged HEAD is refused unless snapshots are allowed, a dirty tree is refused
    /// unless allowed.
    package static func resolve(_ state: RepositoryState, policy: VersionPolicy) throws(ReleaseVersionError) -> ReleaseVersion {
        if state.isDirty && !policy.allowDirty {
            throw .dirtyTree(path: state.workingDirectory, paths: state.dirtyPaths)
        }
        let versioned: [(tag: GitTag, version: SemanticVersion)] = state.tags.compactMap { tag in
            guard tag.name.hasPrefix(policy.gitTagPrefix),
                let version = SemanticVersion(String(tag.name.dropFirst(policy.gitTagPrefix.count)))
            else { return nil }
            return (tag, version)
        }
        let all = versioned.map(\.version).sorted()
        let onHead = versioned.filter { $0.tag.commit == state.headCommit }

        let chosen: (tag: GitTag, version: SemanticVersion)?
        if let requested = policy.requestedTag {
            guard let match = versioned.first(where: { $0.tag.name == requested }) else {
                throw .requestedTagNotVersion(tag: requested, prefix: policy.gitTagPrefix)
            }
            guard match.tag.commit == state.headCommit else {
                throw .requestedTagNotOnHead(tag: requested, head: state.shortCommit)
            }
            chosen = match
        } else {
            chosen = onHead.max { $0.version < $1.version }
        }

        if let chosen {
            return ReleaseVersion(
                version: chosen.version, gitTag: chosen.tag.name, isSnapshot: false,
                revision: state.headCommit, created: state.commitTime, taggedVersions: all)
        }
        guard policy.allowSnapshot else {
            throw .untaggedHead(
                head: state.shortCommit, prefix: policy.gitTagPrefix,
                otherTagsOnHead: state.tagsOnHead.map(\.name))
        }
        let snapshot = SemanticVersion(major: 0, minor: 0, patch: 0, prerelease: ["snapshot-\(state.shortCommit)"])
        return ReleaseVersion(
            version: snapshot, gitTag: nil, isSnapshot: true,
            revision: state.headCommit, created: state.commitTime, taggedVersions: all)
    }
}

package enum ReleaseVersionError: Error, Equatable, Sendable, DescribedError {
    case dirtyTree(path: String, paths: [String])
    case untaggedHead(head: String, prefix: String, otherTagsOnHead: [String])
    case requestedTagNotVersion(tag: String, prefix: String)
    case requestedTagNotOnHead(tag: String, head: String)

    package var description: String {
        switch self {
        case let .dirtyTree(path, paths):
            let shown = paths.prefix(5).joined(separator: ", ") + (paths.count > 5 ? ", … (\(paths.count) in all)" : "")
            return "the working tree at \(path) has uncommitted changes (\(shown)); commit or remove them, or pass --allow-dirty"
        case let .untaggedHead(head, prefix, others):
            let note = others.isEmpty ? "" : " (its tags \(others.joined(separator: ", ")) are not \(prefix)MAJOR.MINOR.PATCH versions)"
            return
                "HEAD (\(head)) has no \(prefix)MAJOR.MINOR.PATCH tag\(note); tag it (git tag \(prefix)1.2.3) or pass --snapshot for a 0.0.0-snapshot-\(head) build that is never tagged latest"
        case let .requestedTagNotVersion(tag, prefix):
            return "tag '\(tag)' does not exist or is not a \(prefix)MAJOR.MINOR.PATCH[-prerelease][+build] version"
        case let .requestedTagNotOnHead(tag, head):
            return "tag '\(tag)' does not point at HEAD (\(head)); check out the tag before publishing it"
        }
    }

}
