import Foundation
import Testing

@testable import OCIDistribution

/// A layout whose tag names an index (as `docker buildx --platform P --output type=oci`
/// writes, with an attestation entry beside the image): copying with a platform takes only
/// that platform's manifest and its blobs.
@Suite("Copy one platform out of an index")
struct PlatformCopyTests {
    /// An index of one manifest per architecture (each with its own config and layer) plus
    /// an unknown/unknown attestation entry.
    static func makeLayout(_ directory: URL) throws -> [String: Digest] {
        let layout = try OCILayout.openOrCreate(directory)
        var entries: [Descriptor] = []
        var manifests: [String: Digest] = [:]
        for architecture in ["amd64", "arm64", "unknown"] {
            let config = Data(#"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
            let layer = Data("layer for \(architecture)".utf8)
            let configDigest = try layout.writeBlob(config), layerDigest = try layout.writeBlob(layer)
            let manifest = ImageManifest(
                config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(config.count)),
                layers: [Descriptor(mediaType: MediaType.ociLayerTar, digest: layerDigest, size: Int64(layer.count))])
            let bytes = try RegistryJSON.encode(manifest)
            let digest = try layout.writeBlob(bytes)
            manifests[architecture] = digest
            let platform = architecture == "unknown" ? Platform(architecture: "unknown", os: "unknown") : Platform(architecture: architecture, os: "linux")
            entries.append(Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count), platform: platform))
        }
        let index = try RegistryJSON.encode(ImageIndex(manifests: entries))
        let indexDigest = try layout.writeBlob(index)
        try layout.setTag("v1", to: Descriptor(mediaType: MediaType.ociIndex, digest: indexDigest, size: Int64(index.count)))
        return manifests
    }

    @Test("--platform picks that manifest and copies only its blobs; the whole index is the default")
    func selectsOnePlatform() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("platform-copy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifests = try Self.makeLayout(root.appendingPathComponent("source"))
        let source = ImageLocation.ociLayout(directory: root.appendingPathComponent("source"), tag: "v1")

        var copier = ImageCopier(registries: RegistryClientFactory())
        copier.platform = Platform(architecture: "arm64", os: "linux")
        let selected = try await copier.copy(from: source, to: .ociLayout(directory: root.appendingPathComponent("arm64"), tag: "v1"))
        #expect(selected.digest == manifests["arm64"])
        #expect(selected.mediaType == MediaType.ociManifest)
        #expect(selected.blobsUploaded == 2, "config and layer of arm64 only")
        let copied = try OCILayout.open(root.appendingPathComponent("arm64"))
        #expect(try copied.descriptor(tag: "v1").digest == manifests["arm64"])
        #expect(!copied.hasBlob(try #require(manifests["amd64"])))

        let whole = try await ImageCopier(registries: RegistryClientFactory()).copy(
            from: source, to: .ociLayout(directory: root.appendingPathComponent("all"), tag: "v1"))
        #expect(MediaType.isIndex(whole.mediaType))
        #expect(whole.blobsUploaded == 6)

        copier.platform = Platform(architecture: "riscv64", os: "linux")
        await #expect(throws: PlatformError.notInIndex(wanted: "linux/riscv64", reference: source.description, available: ["linux/amd64", "linux/arm64"])) {
            try await copier.copy(from: source, to: .ociLayout(directory: root.appendingPathComponent("none"), tag: "v1"))
        }
    }
}
