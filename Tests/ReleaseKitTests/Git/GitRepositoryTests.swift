import Foundation
import OCIDistribution
import Testing

@testable import ReleaseKit

@Suite("Git and version resolution")
struct GitRepositoryTests {
    @Test("reads tags (annotated and lightweight), HEAD, commit time")
    func readsState() async throws {
        let repo = try await GitFixture()
        defer { repo.remove() }
        try repo.write("README", "one\n")
        let first = try await repo.commit("one", date: "2024-01-02T03:04:05Z")
        try await repo.tag("v1.0.0", annotated: true)
        try await repo.tag("not-a-version")
        try repo.write("README", "two\n")
        let second = try await repo.commit("two", date: "2024-02-03T04:05:06Z")
        try await repo.tag("v1.1.0")
        try await repo.tag("v1.1.0-rc.1", annotated: true)

        let state = try RepositoryState.read(at: repo.root.path)
        #expect(state.headCommit == second)
        #expect(state.commitTime == ISO8601DateFormatter().date(from: "2024-02-03T04:05:06Z"))
        #expect(state.tags.map(\.name) == ["not-a-version", "v1.0.0", "v1.1.0", "v1.1.0-rc.1"])
        #expect(state.tags.first { $0.name == "v1.0.0" }?.commit == first, "annotated tag peeled to its commit")
        #expect(Set(state.tagsOnHead.map(\.name)) == ["v1.1.0", "v1.1.0-rc.1"])
        #expect(!state.isDirty)
        #expect(state.originURL == nil)
    }

    @Test("discovers the repository from a subdirectory")
    func discovers() async throws {
        let repo = try await GitFixture()
        defer { repo.remove() }
        try repo.write("a/b/file", "x\n")
        try await repo.commit("c")
        let state = try RepositoryState.read(at: repo.root.appendingPathComponent("a/b").path)
        #expect(
            URL(fileURLWithPath: state.workingDirectory).resolvingSymlinksInPath().path
                == repo.root.resolvingSymlinksInPath().path)
    }

    @Test("dirty detection: modified, staged and untracked files; ignored files are not dirty")
    func dirty() async throws {
        let repo = try await GitFixture()
        defer { repo.remove() }
        try repo.write(".gitignore", "build/\n")
        try repo.write("tracked", "1\n")
        try await repo.commit("c")
        try repo.write("build/output", "ignored\n")
        #expect(try RepositoryState.read(at: repo.root.path).dirtyPaths == [])
        try repo.write("tracked", "2\n")
        try repo.write("new", "n\n")
        let state = try RepositoryState.read(at: repo.root.path)
        #expect(state.dirtyPaths == ["new", "tracked"])
        #expect(throws: ReleaseVersionError.self) { try ReleaseVersion.resolve(state, policy: VersionPolicy()) }
        let allowed = try ReleaseVersion.resolve(state, policy: VersionPolicy(allowSnapshot: true, allowDirty: true))
        #expect(allowed.isSnapshot)
    }

    @Test("errors: not a repository, no commits")
    func errors() async throws {
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("not-git-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: plain, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: plain) }
        #expect {
            try RepositoryState.read(at: plain.path)
        } throws: { error in
            guard case GitError.notARepository = error else { return false }
            return true
        }
        let empty = try await GitFixture()
        defer { empty.remove() }
        #expect(throws: GitError.noCommits(path: try GitRepository(discoveringFrom: empty.root.path).workingDirectory)) {
            try RepositoryState.read(at: empty.root.path)
        }
    }

    @Test("version rules: tagged, untagged, snapshot, requested tag, junk tags")
    func versionRules() async throws {
        let repo = try await GitFixture()
        defer { repo.remove() }
        let one = try await repo.commit("1")
        try await repo.tag("v1.0.0")
        try await repo.tag("junk")
        try await repo.commit("2")
        try await repo.tag("v1.1.0-rc.1", annotated: true)
        try await repo.tag("v1.1.0", annotated: true)
        try await repo.commit("3")

        // Untagged HEAD.
        var state = try RepositoryState.read(at: repo.root.path)
        #expect(throws: ReleaseVersionError.self) { try ReleaseVersion.resolve(state, policy: VersionPolicy()) }
        let snapshot = try ReleaseVersion.resolve(state, policy: VersionPolicy(allowSnapshot: true))
        #expect(snapshot.version.description == "0.0.0-snapshot-\(state.shortCommit)")
        #expect(snapshot.isSnapshot && snapshot.gitTag == nil)
        #expect(!snapshot.imageTags(TagRules()).contains("latest"))
        #expect(snapshot.highestRelease?.description == "1.1.0")

        // HEAD with both an rc and the final tag: the highest wins unless one is requested.
        try await repo.git("checkout", "-q", "v1.1.0")
        state = try RepositoryState.read(at: repo.root.path)
        let release = try ReleaseVersion.resolve(state, policy: VersionPolicy())
        #expect(release.version.description == "1.1.0")
        #expect(release.gitTag == "v1.1.0")
        #expect(release.taggedVersions.map(\.description) == ["1.0.0", "1.1.0-rc.1", "1.1.0"])
        let rc = try ReleaseVersion.resolve(state, policy: VersionPolicy(requestedTag: "v1.1.0-rc.1"))
        #expect(rc.version.description == "1.1.0-rc.1")
        #expect(throws: ReleaseVersionError.requestedTagNotOnHead(tag: "v1.0.0", head: state.shortCommit)) {
            try ReleaseVersion.resolve(state, policy: VersionPolicy(requestedTag: "v1.0.0"))
        }

        try await repo.git("checkout", "-q", one)
        state = try RepositoryState.read(at: repo.root.path)
        #expect(try ReleaseVersion.resolve(state, policy: VersionPolicy()).version.description == "1.0.0")
    }

    @Test("source URL normalisation drops credentials and .git")
    func sourceURL() {
        #expect(SourceURL.normalize("git@github.com:hyphagroup/oubliette.git") == "https://github.com/hyphagroup/oubliette")
        #expect(SourceURL.normalize("https://x-access-token:secret@github.com/hyphagroup/oubliette") == "https://github.com/hyphagroup/oubliette")
        #expect(SourceURL.normalize("ssh://git@github.com/o/r.git") == "https://github.com/o/r")
        #expect(SourceURL.normalize("/local/path") == nil)
    }
}
