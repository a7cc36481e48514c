import ContainerRuntimes
import Foundation
import ImageBuilders
import ImageCatalogue
import OublietteCore
import TestSupport
import Testing

/// `image_source: build` on the real engine: base then dev from the fixture catalogue's
/// Dockerfiles, with `docker build` (the builder seam release-tool also uses).
@Suite("Local builds with image_source=build", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct LocalBuildIntegrationTests {
    let bed = TestBed.required

    @Test func buildsBaseThenDevAndPinsDevToTheBaseImage() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/busybox/catalogue.jsonc")
        let catalogue = try LoadedCatalogue.load(path: root.path)
        let unique = UUID().uuidString.prefix(8).lowercased()
        let config = try OublietteConfig(
            parsing: """
                {
                  "image_source": "build",
                  "containers": { "base": "localhost/local-build-\(unique)/base:dev", "dev": "localhost/local-build-\(unique)/dev:dev" },
                }
                """, file: "t.jsonc", catalogue: catalogue.catalogue, devMode: false)
        let runtime = CountingRuntime(try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost)))
        let data = try bed.makeTemporaryDirectory("local-build")
        // The bed's dockerd has no bridge network, so RUN steps get none.
        let builder = DockerBuilder(mode: .legacy, network: "none")
        let manager = ImageManager(
            config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data),
            localBuild: LocalBuildSettings(
                catalogue: catalogue, builder: builder,
                buildArguments: ["BUSYBOX_IMAGE": bed.busyboxImage], scratchDirectory: data))

        let dev = try await manager.ensureImage(type: "dev")
        #expect(dev.built)
        #expect(runtime.count("pull") == 0, "image_source=build must not pull catalogue images")

        let base = try await runtime.inspectImage(try config.imageReference(for: "base"))
        #expect(dev.image.labels["org.opencontainers.image.base.digest"] == base.id)
        #expect(dev.image.labels["org.opencontainers.image.base.name"] == "localhost/local-build-\(unique)/base:dev")

        // Both images were recorded as built from source.
        let records = try await ProvenanceStore(dataDirectory: data).all()
        #expect(records["localhost/local-build-\(unique)/base:dev"]?.source == .build)
        #expect(records["localhost/local-build-\(unique)/dev:dev"]?.digest == dev.image.id)

        // A second call finds the image and builds nothing.
        let again = try await manager.ensureImage(type: "dev")
        #expect(!again.built)
    }

    @Test func typesOutsideTheCatalogueCannotBeBuilt() async throws {
        let config = try OublietteConfig(
            parsing: #"{ "image_source": "build", "containers": { "osint": "localhost/nope/osint:1" } }"#,
            file: "t.jsonc", catalogue: .shipped, devMode: false)
        let manager = ImageManager(
            config: config, runtime: try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost)),
            provenance: ProvenanceStore(dataDirectory: try bed.makeTemporaryDirectory("local-build-none")),
            localBuild: LocalBuildSettings(catalogue: try LoadedCatalogue.load(path: nil), builder: DockerBuilder(mode: .legacy)))
        await #expect(throws: ImageManagerError.notBuildable(type: "osint", buildable: ["base", "dev"])) {
            try await manager.ensureImage(type: "osint")
        }
    }

    @Test func updateRebuildTagsPreviousAndBuildsAFreshImage() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/busybox/catalogue.jsonc")
        let catalogue = try LoadedCatalogue.load(path: root.path)
        let unique = UUID().uuidString.prefix(8).lowercased()
        let config = try OublietteConfig(
            parsing: """
                { "image_source": "build", "containers": { "base": "localhost/rebuild-\(unique)/base:dev", "dev": "localhost/rebuild-\(unique)/dev:dev" } }
                """, file: "t.jsonc", catalogue: catalogue.catalogue, devMode: false)
        let runtime = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        let data = try bed.makeTemporaryDirectory("rebuild")
        let provenance = ProvenanceStore(dataDirectory: data)
        let settings = LocalBuildSettings(
            catalogue: catalogue, builder: DockerBuilder(mode: .legacy, network: "none"),
            buildArguments: ["BUSYBOX_IMAGE": bed.busyboxImage], scratchDirectory: data)
        let images = ImageManager(config: config, runtime: runtime, provenance: provenance, localBuild: settings)
        let first = try await images.ensureImage(type: "base")

        let updater = ImageUpdater(
            config: config, runtime: runtime, provenance: provenance,
            lifecycle: ContainerLifecycle(
                config: config, runtime: runtime, store: ProjectStore(dataDirectory: data),
                images: images))
        let result = try await updater.update(type: "base", acquisition: .rebuild(noCache: true))
        #expect(result.changed, "a --no-cache rebuild makes a new image")
        let reference = try config.imageReference(for: "base")
        let previous = try await runtime.inspectImage(ImageUpdater.previousReference(of: reference))
        #expect(previous.id == first.image.id, "the image before the update is kept as :previous")
        #expect(try await runtime.inspectImage(reference).id != first.image.id)
    }
}
