import Foundation

/// A tag and the commit it points at (annotated tags peeled to their commit).
package struct GitTag: Sendable, Equatable, Codable {
    package let name: String
    package let commit: String

    package init(name: String, commit: String) {
        self.name = name
        self.commit = commit
    }
}

/// Everything the release logic needs from git, read once so the rest of the code is pure.
package struct RepositoryState: Sendable, Equatable {
    /// The working tree root.
    package let workingDirectory: String
    /// Full hex sha of HEAD's commit.
    package let headCommit: String
    /// HEAD's committer time, used for `org.opencontainers.image.created` so that
    /// rebuilding the same commit gives the same labels.
    package let commitTime: Date
    /// Every tag in the repository, in name order (semver ordering is the caller's job).
    package let tags: [GitTag]
    /// Paths with uncommitted changes (modified, staged, deleted or untracked, not ignored).
    package let dirtyPaths: [String]
    /// URL of the `origin` remote, if any.
    package let originURL: String?

    package init(
        workingDirectory: String, headCommit: String, commitTime: Date, tags: [GitTag],
        dirtyPaths: [String], originURL: String?
    ) {
        self.workingDirectory = workingDirectory
        self.headCommit = headCommit
        self.commitTime = commitTime
        self.tags = tags
        self.dirtyPaths = dirtyPaths
        self.originURL = originURL
    }

    package var isDirty: Bool { !dirtyPaths.isEmpty }

    /// The 7-character abbreviation git prints by default.
    package var shortCommit: String { String(headCommit.prefix(7)) }

    package var tagsOnHead: [GitTag] { tags.filter { $0.commit == headCommit } }

    /// Reads the repository containing `path` (searching upwards like `git` does).
    package static func read(at path: String) throws(GitError) -> RepositoryState {
        let repository = try GitRepository(discoveringFrom: path)
        return try repository.state()
    }
}
