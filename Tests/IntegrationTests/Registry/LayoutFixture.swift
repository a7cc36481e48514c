import Foundation
import OCIDistribution
import OublietteCore

/// Writes OCI layouts with random layers (registry-only tests: the layers are not real tars).
enum LayoutFixture {
    struct Image {
        let layout: OCILayout
        let tag: String
        let manifest: FetchedManifest
        let config: Digest
        let layers: [Descriptor]
    }

    static func randomData(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var data = Data(count: count)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in 0..<words.count { words[i] = generator.next() }
            for i in (words.count * 8)..<count { raw[i] = UInt8.random(in: 0...255, using: &generator) }
        }
        return data
    }

    static func make(
        in directory: URL, tag: String = "1", layerSizes: [Int], labels: [String: String] = [:],
        sharedLayers: [Data] = []
    ) throws -> Image {
        let layout = try OCILayout.openOrCreate(directory)
        var layers: [Descriptor] = []
        for data in sharedLayers + layerSizes.map(randomData) {
            let digest = try layout.writeBlob(data)
            layers.append(Descriptor(mediaType: MediaType.ociLayerTarGzip, digest: digest, size: Int64(data.count)))
        }
        let configuration = ImageConfiguration(
            architecture: "amd64", os: "linux",
            config: .init(labels: labels),
            rootfs: .init(diffIDs: layers.map(\.digest.description)))
        let configData = try RegistryJSON.encode(configuration)
        let config = try layout.writeBlob(configData)
        let manifest = ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: config, size: Int64(configData.count)), layers: layers)
        let bytes = try RegistryJSON.encode(manifest)
        let digest = try layout.writeBlob(bytes)
        let fetched = FetchedManifest(bytes: bytes, mediaType: MediaType.ociManifest, digest: digest)
        try layout.setTag(tag, to: fetched.descriptor)
        return Image(layout: layout, tag: tag, manifest: fetched, config: config, layers: layers)
    }
}
