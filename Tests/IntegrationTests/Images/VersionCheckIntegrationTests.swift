import ContainerRuntimes
import Foundation
import ImageCatalogue
import OCIDistribution
import OublietteCore
import Synchronization
import TestSupport
import Testing

@Suite("Version check against the real registry", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct VersionCheckIntegrationTests {
    let bed = TestBed.required

    /// Pushes a busybox-based image labelled with `version` to a fresh repository, with buildah.
    func labelledImage(version: String) async throws -> String {
        let reference = "\(bed.registry)/version-check/v\(UUID().uuidString.prefix(8).lowercased()):1"
        let storage = ["--root", "\(bed.buildahRoot)/root", "--runroot", "\(bed.buildahRoot)/runroot", "--storage-driver", "vfs"]
        let cleanUp = { (arguments: [String]) async in _ = try? await ToolRunner.run("buildah", storage + arguments, check: false) }
        let container = try await ToolRunner.run("buildah", storage + ["from", "--tls-verify=false", "docker://\(bed.busyboxImage)"]).trimmedStdout
        try await withFixture(container, tearDown: { await cleanUp(["rm", $0]) }) { container in
            try await ToolRunner.run("buildah", storage + ["config", "--label", "\(OublietteVersion.label)=\(version)", container])
            let image = "localhost/version-check-\(UUID().uuidString.prefix(8).lowercased())"
            try await ToolRunner.run("buildah", storage + ["commit", container, image])
            try await withFixture(image, tearDown: { await cleanUp(["rmi", $0]) }) { image in
                _ = try await ToolRunner.run("buildah", storage + ["push", "--tls-verify=false", image, "docker://\(reference)"])
            }
        }
        return reference
    }

    @Test func mismatchIsFoundFromTheRegistryBeforeAnyPull() async throws {
        let reference = try await labelledImage(version: "9.9.9")
        // Only catalogue images are version-checked: a catalogue whose `probe` type lives in the
        // bed's registry, pinned in the config to the pushed tag.
        let repository = String(reference.dropLast(2))
        let catalogue = try ImageCatalogue(entries: [.init(type: "probe", repository: repository, summary: "version probe")])
        let config = try OublietteConfig(
            parsing: "{ \"containers\": { \"probe\": \"\(reference)\" } }", file: "t.jsonc",
            catalogue: catalogue, devMode: false)
        #expect(config.isCatalogueImage("probe"))
        let runtime = CountingRuntime(try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost)))
        let data = try bed.makeTemporaryDirectory("version-check")
        let warnings = Mutex<[String]>([])
        let policy = VersionCheckPolicy(
            inspector: RegistryImageInspector(registries: RegistryClientFactory()), cliVersion: "1.0.0",
            throttle: VersionWarningThrottle(stateDirectory: data),
            warn: { text in warnings.withLock { $0.append(text) } })
        let manager = ImageManager(
            config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data),
            versionPolicy: policy)

        #expect(try await manager.checkVersion(type: "probe") == .mismatch(imageVersion: "9.9.9", cliVersion: "1.0.0"))
        #expect(runtime.count("pull") == 0)
        #expect(
            try await runtime.wrapped.imageExists(try ImageReference(parsing: reference)) == false,
            "the check must not pull the image")

        // ensureImage warns before it pulls, and only once an hour.
        _ = try await manager.ensureImage(type: "probe")
        try await runtime.wrapped.removeImage(try ImageReference(parsing: reference), force: true)
        _ = try await manager.ensureImage(type: "probe")
        let seen = warnings.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.contains("is version 9.9.9, newer than this oubliette (1.0.0): run `oubliette self-update`") == true)
    }
}
