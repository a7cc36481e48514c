import Foundation
import ImageBuilders
import ImageSigning
import OCIDistribution
import TestSupport
import Testing

@testable import ReleaseKit

/// The composition root hands the publisher, the signer and the SBOM step one client per
/// registry, so the publish report counts all of their requests and credentials are looked
/// up once per registry.
@Suite("Publish traffic goes through the root's clients")
struct PublishTrafficTests {
    /// Counts lookups; answers anonymous.
    final class CountingCredentials: CredentialSource {
        let lookups = Locked<[String]>([])
        func credentials(for registry: String) async throws -> RegistryCredentials? {
            lookups.withLock { $0.append(registry) }
            return nil
        }
    }

    /// Writes a one-layer image for the requested platform as an OCI layout (an empty tar
    /// layer: the SBOM step finds no package database and says so).
    struct LayoutBuilder: ImageBuilder {
        var name: String { "layout-fake" }
        var buildsPlatformsIndependently: Bool { true }

        func build(_ request: BuildRequest) async throws -> BuiltImage {
            let layout = try OCILayout.openOrCreate(request.outputDirectory)
            let layer = Data(count: 1024)
            let layerDigest = try layout.writeBlob(layer)
            let platform = request.platform ?? Platform(architecture: "amd64", os: "linux")
            let configuration = ImageConfiguration(
                architecture: platform.architecture, os: platform.os, variant: platform.variant,
                config: .init(labels: Dictionary(request.labels.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })),
                rootfs: .init(type: "layers", diffIDs: [layerDigest.description]))
            let config = try RegistryJSON.encode(configuration)
            let configDigest = try layout.writeBlob(config)
            let manifest = try RegistryJSON.encode(
                ImageManifest(
                    config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(config.count)),
                    layers: [Descriptor(mediaType: MediaType.ociLayerTar, digest: layerDigest, size: Int64(layer.count))]))
            let manifestDigest = try layout.writeBlob(manifest)
            try layout.setTag(request.layoutTag, to: Descriptor(mediaType: MediaType.ociManifest, digest: manifestDigest, size: Int64(manifest.count)))
            return .ociLayout(directory: request.outputDirectory, tag: request.layoutTag)
        }
    }

    @Test("signed publish with SBOMs: the counters equal every request the registry saw; one credential lookup")
    func countersCoverSignerAndSBOM() async throws {
        let registry = try await FakeRegistry.start()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("publish-traffic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let credentials = CountingCredentials()
        let services = ReleaseToolServices(
            credentials: credentials, signing: .init(key: SigningKey.generate(), label: "test"),
            provenance: ReleaseProvenance(environment: [:]), attachSBOMs: true, workDirectory: work, toolVersion: "test")
        let plan = try ReleasePlanner(registry: try RegistryOverride(parsing: "\(registry.address)/traffic"), checkFiles: false)
            .plan(MultiPlatformPlanTests.catalogue(), version: ReleasePlannerTests.version("1.1.0"))
        let report: PublishReport
        do {
            report = try await services.publisher(builder: LayoutBuilder()).publish(plan)
        } catch {
            await registry.shutdown()
            try? FileManager.default.removeItem(at: work)
            throw error
        }
        await registry.shutdown()
        try? FileManager.default.removeItem(at: work)

        #expect(report.images.count == 2)
        #expect(report.images.allSatisfy { if case .signed = $0.signature { true } else { false } })
        // The signer's signatures and the SBOM step's attestations and read-back are in the
        // registry's log; the report counts all of it.
        let signatures = registry.requests("PUT", containing: ".sig")
        let attestations = registry.requests("PUT", containing: ".att")
        #expect(!signatures.isEmpty && !attestations.isEmpty)
        #expect(report.counters.requests == registry.log.count)
        #expect(report.counters.manifestsPushed == registry.requests("PUT", containing: "/manifests/").count)
        #expect(report.counters.blobsDownloaded > 0, "the SBOM step's read-back is counted")
        #expect(credentials.lookups.current == [registry.address])
    }
}
