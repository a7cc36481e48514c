import ContainerRuntimes
import Foundation
import OCIDistribution
import OublietteCore
import SystemSupport
import Testing

/// The consume side against the bed: the configured reference's index is resolved (no pull)
/// and checked against the runtime's platform before anything is pulled.
@Suite("Platform check on the real registry and engine", .enabled(if: TestBed.hasMultiPlatformFixture, TestBed.multiPlatformSkipReason))
struct PlatformConsumeIntegrationTests {
    let bed = TestBed.required

    /// The bed's two-platform index copied whole to a repository no test has pulled yet.
    func freshIndex(_ label: String) async throws -> String {
        let reference = "\(bed.registry)/platform-consume/\(label)-\(UUID().uuidString.prefix(8).lowercased()):1"
        try await ToolRunner.run(
            "skopeo",
            [
                "copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false",
                "docker://\(try #require(bed.busyboxMultiImage))", "docker://\(reference)",
            ])
        return reference
    }

    var check: ImagePlatformCheck { ImagePlatformCheck(lister: RegistryPlatformLister(registries: RegistryClientFactory())) }

    func config(_ reference: String) throws -> OublietteConfig {
        try OublietteConfig(parsing: "{ \"containers\": { \"probe\": \"\(reference)\" } }", file: "test.jsonc", catalogue: .shipped, devMode: false)
    }

    @Test("dockerd pulls the engine's platform (amd64) out of the index, asked for explicitly; provenance records it")
    func dockerPullsItsPlatform() async throws {
        let reference = try await freshIndex("docker")
        let runtime = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        let engine = try await runtime.version()
        let data = try bed.makeTemporaryDirectory("platform-consume-data")
        let manager = ImageManager(
            config: try config(reference), runtime: runtime, provenance: ProvenanceStore(dataDirectory: data), platformCheck: check)
        let ensured = try await manager.ensureImage(type: "probe")
        #expect(ensured.pulled)

        let expected = "\(engine.os ?? "?")/\(engine.architecture ?? "?")"
        let record = try #require(try await ProvenanceStore(dataDirectory: data).all()[try ImageReference(parsing: reference).description])
        #expect(record.platform == expected)
        #expect(record.publishedPlatforms == ["linux/amd64", "linux/arm64"])
        // The engine holds the image of its own architecture (not the first index entry by luck:
        // the index order is amd64, arm64 here, so also check the config digest matches amd64's).
        let inspected = try await ToolRunner.run("docker", ["image", "inspect", "--format", "{{.Architecture}} {{.Id}}", reference])
        let fields = inspected.trimmedStdout.split(separator: " ").map(String.init)
        #expect(fields.first == engine.architecture)
        let client = RegistryClient(registry: bed.registry)
        let parsed = try ImageReference(parsing: reference)
        let index = try await client.manifest(repository: parsed.repositoryName, reference: parsed.manifestReference).imageIndex()
        let entry = try #require(index.manifest(for: try Platform(parsing: expected)))
        let manifest = try await client.manifest(repository: parsed.repositoryName, reference: .digest(entry.digest)).imageManifest()
        #expect(fields.last == manifest.config.digest.description)
    }

    @Test("the Apple stand-in (linux/arm64) asked for an amd64-only image fails with the platform message, before any pull")
    func appleRefusesAMD64Only() async throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/container-standin")
        let log = try bed.makeTemporaryDirectory("standin").appendingPathComponent("calls.jsonl")
        let runtime = AppleContainerRuntime(
            executable: fixtures.appendingPathComponent("container").path,
            runner: ProcessRunner(environment: .inherit(adding: ["CONTAINER_STANDIN_LOG": log.path, "CONTAINER_STANDIN_SET": "1.x"])))
        let data = try bed.makeTemporaryDirectory("platform-apple-data")
        // The bed's plain busybox image is one linux/amd64 manifest.
        let manager = ImageManager(
            config: try config(bed.busyboxImage), runtime: runtime, provenance: ProvenanceStore(dataDirectory: data), platformCheck: check)
        let error = await #expect(throws: (any Error).self) { try await manager.ensureImage(type: "probe") }
        let text = error.map { describe($0) } ?? ""
        #expect(text.contains(bed.busyboxImage) && text.contains("has no linux/arm64 variant"), "\(text)")
        #expect(text.contains("it has linux/amd64") && text.contains("image_source"), "\(text)")
        let calls = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!calls.contains("\"pull\""), "the container CLI was not asked to pull: \(calls)")

        // The two-platform index passes the same check as linux/arm64.
        let outcome = try await check.verify(try ImageReference(parsing: try await freshIndex("apple")), runtime: runtime)
        #expect(outcome?.platform == "linux/arm64")
    }
}
