import Foundation
import SystemSupport
@testable import OublietteCore
@testable import OCIDistribution

/// Drives `Tests/Fixtures/container-standin/container`: a fixture directory of canned
/// answers per subcommand, and the argv log the stand-in appends to.
struct ContainerStandIn {
    static let executable: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // Runtime
        .deletingLastPathComponent()   // OublietteCoreTests
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures/container-standin/container").path

    let directory: URL
    let log: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("container-standin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log = directory.appendingPathComponent("calls.jsonl")
    }

    /// Makes the stand-in answer subcommand `key` (e.g. `image-list`) like this.
    func reply(_ key: String, stdout: String = "", stderr: String = "", exit: Int32 = 0) throws {
        try Data(stdout.utf8).write(to: directory.appendingPathComponent("\(key).stdout"))
        try Data(stderr.utf8).write(to: directory.appendingPathComponent("\(key).stderr"))
        try Data("\(exit)\n".utf8).write(to: directory.appendingPathComponent("\(key).exit"))
    }

    var runtime: AppleContainerRuntime {
        AppleContainerRuntime(
            executable: Self.executable,
            runner: ProcessRunner(environment: .inherit(adding: [
                "CONTAINER_STANDIN_LOG": log.path,
                "CONTAINER_STANDIN_FIXTURES": directory.path,
            ]))
        )
    }

    /// The argv of every call so far, in order.
    func calls() throws -> [[String]] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        let text = try String(contentsOf: log, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try JSONDecoder().decode(Call.self, from: Data(line.utf8)).argv
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private struct Call: Decodable { var argv: [String] }
}

/// Output shaped like the real CLI's (apple/container 0.x): `image list --format json`,
/// `image inspect`, `list --format json`, `inspect`.
enum AppleCLIFixtures {
    static let busyboxDigest = "sha256:4a734084a17819de5f0bfbc25b0650c358b847f375bb009b377278addc3fa900"

    static let imageList = """
    [{"reference":"docker.io/library/alpine:3.20","descriptor":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":9218}},\
    {"reference":"127.0.0.1:5000/fixtures/busybox:1","descriptor":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(busyboxDigest)","size":527}}]
    """

    static let imageInspect = """
    [{"name":"127.0.0.1:5000/fixtures/busybox:1","index":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"\(busyboxDigest)","size":856},\
    "variants":[{"platform":{"os":"unknown","architecture":"unknown"},"size":0,"config":{"architecture":"unknown","os":"unknown"}},\
    {"platform":{"os":"linux","architecture":"arm64","variant":"v8"},"size":1083703,"config":{"created":"2026-11-23T10:46:40.97303308Z","architecture":"arm64","os":"linux",\
    "config":{"Labels":{"org.example.fixture":"busybox","org.opencontainers.image.version":"1"},"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[]}}}]}]
    """

    /// Older releases print `status` as a string; newer ones as an object. One of each.
    static let containerList = """
    [{"status":"running","networks":[],"configuration":{"id":"web-1","image":{"reference":"127.0.0.1:5000/fixtures/busybox:1","descriptor":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"\(busyboxDigest)","size":856}},\
    "labels":{"oubliette.managed":"true","oubliette.slot":"web"},"initProcess":{"executable":"sleep","arguments":["300"],"environment":[],"workingDirectory":"/","terminal":false},\
    "platform":{"os":"linux","architecture":"arm64"},"metadata":{"createdAt":785500000.5}}},\
    {"status":{"state":"stopped","networks":[]},"configuration":{"id":"other","image":{"reference":"docker.io/library/alpine:3.20","descriptor":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":9218}},\
    "labels":{"oubliette.managed":"false"},"initProcess":{"executable":"/bin/sh","arguments":[],"environment":[],"workingDirectory":"/","terminal":false},"platform":{"os":"linux","architecture":"arm64"}}}]
    """

    static let containerInspect = """
    [{"status":"stopped","networks":[],"configuration":{"id":"web-1","image":{"reference":"127.0.0.1:5000/fixtures/busybox:1","descriptor":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"\(busyboxDigest)","size":856}},\
    "labels":{"oubliette.managed":"true"},"initProcess":{"executable":"sleep","arguments":["300"],"environment":[],"workingDirectory":"/","terminal":false},\
    "platform":{"os":"linux","architecture":"arm64"},"metadata":{"createdAt":785500000}}}]
    """
}
