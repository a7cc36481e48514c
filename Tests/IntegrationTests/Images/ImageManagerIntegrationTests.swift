import ContainerRuntimes
import Foundation
import OCIDistribution
import OublietteCore
import SystemSupport
import TestSupport
import Testing

/// ImageManager against the test bed's real dockerd and docker-registry.
@Suite("ImageManager on the real engine", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct ImageManagerIntegrationTests {
    let bed = TestBed.required

    /// Copies the bed's busybox image to a repository no test has pulled yet.
    func freshImage(_ label: String) async throws -> String {
        let reference = "\(bed.registry)/image-manager/\(label)-\(UUID().uuidString.prefix(8).lowercased()):1"
        try await ToolRunner.run(
            "skopeo",
            [
                "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                "docker://\(bed.busyboxImage)", "docker://\(reference)",
            ])
        return reference
    }

    func manager(containers: [String: String], devMode: Bool = false) throws -> (ImageManager, CountingRuntime, URL) {
        let entries = containers.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        let config = try OublietteConfig(
            parsing: "{ \"containers\": { \(entries) } }", file: "test.jsonc",
            catalogue: .shipped, devMode: devMode)
        let runtime = CountingRuntime(try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost)))
        let data = try bed.makeTemporaryDirectory("image-manager-data")
        return (ImageManager(config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data)), runtime, data)
    }

    @Test func pullsAMissingImageOnceAndRecordsProvenance() async throws {
        let reference = try await freshImage("missing")
        let (manager, runtime, data) = try manager(containers: ["probe": reference])

        let first = try await manager.ensureImage(type: "probe")
        #expect(first.pulled)
        #expect(runtime.count("pull") == 1)

        let second = try await manager.ensureImage(type: "probe")
        #expect(!second.pulled)
        #expect(runtime.count("pull") == 1, "a present image must not be pulled again")
        #expect(runtime.count("imageExists") == 2)

        // The digest recorded is the one the registry serves for the tag.
        let inspect = try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://\(reference)"])
        let records = try await ProvenanceStore(dataDirectory: data).all()
        let record = try #require(records[try ImageReference(parsing: reference).description])
        #expect(record.digest == inspect.trimmedStdout)
        #expect(record.source == .prebuilt)
        #expect(record.registry == bed.registry)
    }

    @Test func twentyConcurrentCallersCauseExactlyOnePull() async throws {
        let reference = try await freshImage("concurrent")
        let (manager, runtime, _) = try manager(containers: ["probe": reference])
        let pulledFlags = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { try await manager.ensureImage(type: "probe").pulled } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(pulledFlags.count == 20)
        #expect(runtime.count("pull") == 1)
    }

    @Test func registryDownGivesTheImageAndTheManualCommand() async throws {
        // Port 1 on loopback: nothing listens there.
        let (manager, _, _) = try manager(containers: ["probe": "127.0.0.1:1/nothing/here:1"])
        do {
            _ = try await manager.ensureImage(type: "probe")
            Issue.record("expected the pull to fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("could not pull 127.0.0.1:1/nothing/here:1 for container type 'probe'"))
            #expect(text.contains("docker pull 127.0.0.1:1/nothing/here:1"))
        }
    }

    @Test func unreachableRegistryFallsBackToTheMirror() async throws {
        // The image exists only on the bed's registry; the configured registry (port 1) is down.
        let onBed = try await freshImage("mirror")
        let path = String(onBed.dropFirst(bed.registry.count + 1))
        let config = try OublietteConfig(
            parsing: """
                { "containers": { "probe": "127.0.0.1:1/\(path)" }, "registry_mirrors": ["\(bed.registry)"] }
                """, file: "t.jsonc", catalogue: .shipped, devMode: false)
        let runtime = CountingRuntime(try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost)))
        let data = try bed.makeTemporaryDirectory("mirror")
        let manager = ImageManager(config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data))
        let ensured = try await manager.ensureImage(type: "probe")
        #expect(ensured.pulled)
        #expect(ensured.reference.description == "127.0.0.1:1/\(path)")
        #expect(try await runtime.wrapped.imageExists(ensured.reference), "the mirror's image carries the configured name")
        let record = try await ProvenanceStore(dataDirectory: data).all()[ensured.reference.description]
        #expect(record?.registry == bed.registry)
    }

    @Test func devModeRefusesToPullAMissingImage() async throws {
        let reference = try await freshImage("devmode")
        let (manager, runtime, _) = try manager(containers: ["probe": reference], devMode: true)
        await #expect(throws: ImageManagerError.self) { try await manager.ensureImage(type: "probe") }
        #expect(runtime.count("pull") == 0)
    }

    /// The CLI turns these errors into text on stderr and exit status 1.
    @Test func cliExitsNonZeroWithTheErrorText() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oubliette")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        let home = try bed.makeTemporaryDirectory("cli-home")
        let config = home.appendingPathComponent("oubliette.jsonc")
        try "{ \"containers\": { \"probe\": \"127.0.0.1:1/nothing/here:1\" } }".write(to: config, atomically: true, encoding: .utf8)
        let environment = ["HOME": home.path, "OUBLIETTE_CONFIG": config.path, "DOCKER_HOST": bed.dockerHost, "OUBLIETTE_DEV": ""]

        let down = try await ToolRunner.run(binary.path, ["image", "pull", "probe", "--progress", "plain"], environment: environment, check: false)
        #expect(down.status == 1)
        #expect(down.stderr.contains("could not pull 127.0.0.1:1/nothing/here:1"))

        let unknown = try await ToolRunner.run(binary.path, ["image", "pull", "gpu"], environment: environment, check: false)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown container type 'gpu'; valid types: base, dev, probe"))

        let reference = try await freshImage("cli")
        try "{ \"containers\": { \"probe\": \"\(reference)\" } }".write(to: config, atomically: true, encoding: .utf8)
        let ok = try await ToolRunner.run(binary.path, ["image", "pull", "probe", "--json"], environment: environment, check: false)
        #expect(ok.status == 0, "\(ok.stderr)")
        let results = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [[String: Any]]
        #expect(results?.first?["pulled"] as? Bool == true)
    }
}
