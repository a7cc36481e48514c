import ContainerRuntimes
import Foundation
import OCIDistribution
import SystemSupport

/// Drives `Tests/Fixtures/container-standin/container`: a fixture set per CLI generation
/// (`1.x`, `0.x`, chosen with `CONTAINER_STANDIN_SET`), a per-test directory of replies that
/// win over the set, the argv log the stand-in appends to, and the handshake file that lets
/// a streamed reply continue.
package struct ContainerStandIn {
    package static let fixturesRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // Runtime
        .deletingLastPathComponent() // TestSupport
        .deletingLastPathComponent() // Tests
        .appendingPathComponent("Fixtures/container-standin")
    package static let executable: String = fixturesRoot.appendingPathComponent("container").path

    /// One fixture set per supported CLI generation; see each set's README.md.
    package enum FixtureSet: String, CaseIterable, Sendable, CustomStringConvertible {
        /// apple/container 1.2.2.
        case current = "1.x"
        /// apple/container 0.12.3.
        case legacy = "0.x"

        package var description: String { rawValue }

        /// A reply file of this set, e.g. `image-list.stdout`.
        package func contents(of name: String) throws -> String {
            try String(contentsOf: ContainerStandIn.fixturesRoot.appendingPathComponent("\(rawValue)/\(name)"), encoding: .utf8)
        }
    }

    package let set: FixtureSet?
    package let directory: URL
    package let log: URL
    package let handshake: URL

    /// `set` nil: only the replies the test writes.
    package init(set: FixtureSet? = .current) throws {
        self.set = set
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("container-standin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log = directory.appendingPathComponent("calls.jsonl")
        handshake = directory.appendingPathComponent("reader-ready")
    }

    /// Makes the stand-in answer subcommand `key` (e.g. `image-list`) like this, whatever the set says.
    package func reply(_ key: String, stdout: String = "", stderr: String = "", exit: Int32 = 0) throws {
        try Data(stdout.utf8).write(to: directory.appendingPathComponent("\(key).stdout"))
        try Data(stderr.utf8).write(to: directory.appendingPathComponent("\(key).stderr"))
        try Data("\(exit)\n".utf8).write(to: directory.appendingPathComponent("\(key).exit"))
    }

    package var environment: [String: String] {
        var environment = [
            "CONTAINER_STANDIN_LOG": log.path,
            "CONTAINER_STANDIN_FIXTURES": directory.path,
            "CONTAINER_STANDIN_HANDSHAKE": handshake.path,
        ]
        if let set { environment["CONTAINER_STANDIN_SET"] = set.rawValue }
        return environment
    }

    package var runtime: AppleContainerRuntime { runtime() }

    package func runtime(platformLister: (any ImagePlatformLister)? = nil, allowsAMD64: Bool = false) -> AppleContainerRuntime {
        AppleContainerRuntime(
            executable: Self.executable,
            runner: ProcessRunner(environment: .inherit(adding: environment)),
            platformLister: platformLister,
            allowsAMD64: allowsAMD64
        )
    }

    /// Lets a reply waiting at `@@wait-for-reader` go on.
    package func releaseStream() {
        _ = FileManager.default.createFile(atPath: handshake.path, contents: Data())
    }

    /// The argv of every call so far, in order.
    package func calls() throws -> [[String]] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try JSONDecoder().decode(Call.self, from: Data(line.utf8)).argv
        }
    }

    package func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private struct Call: Decodable { var argv: [String] }
}

/// A registry stand-in for the pre-pull platform check.
package struct FixedPlatformLister: ImagePlatformLister {
    package var platforms: [String]?

    package struct Unreachable: Error {}

    package init(platforms: [String]?) { self.platforms = platforms }

    package func platforms(of reference: ImageReference) async throws -> [String] {
        guard let platforms else { throw Unreachable() }
        return platforms
    }
}

/// Values the fixture sets hold.
package enum AppleCLIFixtures {
    package static let busyboxDigest = "sha256:4a734084a17819de5f0bfbc25b0650c358b847f375bb009b377278addc3fa900"
    package static let busybox = "127.0.0.1:5000/fixtures/busybox:1"

    /// A 1.x `image inspect` of an image pulled for linux/amd64 only (same shapes as
    /// `1.x/image-inspect.stdout`).
    package static let amd64OnlyInspect = #"""
        [{"configuration":{"creationDate":"2026-10-08T11:06:21Z","descriptor":{"digest":"sha256:8888888888888888888888888888888888888888888888888888888888888888","mediaType":"application\/vnd.oci.image.index.v1+json","size":1609},"name":"127.0.0.1:5000\/fixtures\/busybox:1"},"id":"8888888888888888888888888888888888888888888888888888888888888888","variants":[{"config":{"architecture":"amd64","created":"2026-10-08T11:06:21Z","os":"linux","rootfs":{"diff_ids":[],"type":"layers"}},"digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","platform":{"architecture":"amd64","os":"linux"},"size":3625041}]}]
        """#
}
