import Foundation
import TestSupport
import Testing

@testable import OCIDistribution

/// Copies are complete or they fail: nested indexes depth first, foreign layers left where
/// their descriptors point, and an OCI layout that trusts only verified blobs.
@Suite("Image copies and layouts", .timeLimit(.minutes(2)))
struct ImageCopierTrustTests {
    static let foreignLayerType = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("copier-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func copier() -> ImageCopier { ImageCopier(registries: RegistryClientFactory(credentials: AnonymousCredentials(), sleeper: RecordingSleeper())) }

    static func descriptorJSON(_ mediaType: String, _ bytes: [UInt8], extra: String = "") -> String {
        #"{"mediaType":"\#(mediaType)","digest":"\#(Digest.sha256(of: bytes))","size":\#(bytes.count)\#(extra)}"#
    }

    /// Seeds an image manifest (config + one layer) by digest and returns its bytes.
    static func seedImage(_ registry: FakeRegistry, repository: String, name: String) -> (manifest: [UInt8], blobs: [Digest]) {
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"name":"\#(name)"}"#.utf8)
        let layer = Array("layer of \(name)".utf8)
        let blobs = [registry.seedBlob(config, repository: repository), registry.seedBlob(layer, repository: repository)]
        let manifest = Array(
            #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":\#(descriptorJSON(MediaType.ociConfig, config)),"layers":[\#(descriptorJSON(MediaType.ociLayerTarGzip, layer))]}"#
                .utf8)
        _ = registry.seedManifest(manifest, mediaType: MediaType.ociManifest, repository: repository, tag: "img-\(name)")
        return (manifest, blobs)
    }

    static func index(_ entries: [(String, [UInt8])]) -> [UInt8] {
        let list = entries.map { descriptorJSON($0.0, $0.1) }.joined(separator: ",")
        return Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[\#(list)]}"#.utf8)
    }

    /// index → index → two image manifests, seeded in `app` with the root tagged `nested`.
    static func seedNested(_ registry: FakeRegistry) -> (root: [UInt8], inner: [UInt8], images: [[UInt8]], blobs: [Digest]) {
        let amd = seedImage(registry, repository: "app", name: "amd64")
        let arm = seedImage(registry, repository: "app", name: "arm64")
        let inner = index([(MediaType.ociManifest, amd.manifest), (MediaType.ociManifest, arm.manifest)])
        _ = registry.seedManifest(inner, mediaType: MediaType.ociIndex, repository: "app", tag: "inner")
        let root = index([(MediaType.ociIndex, inner)])
        _ = registry.seedManifest(root, mediaType: MediaType.ociIndex, repository: "app", tag: "nested")
        return (root, inner, [amd.manifest, arm.manifest], amd.blobs + arm.blobs)
    }

    @Test func nestedIndexIsCopiedCompletelyToALayout() async throws {
        try await FakeRegistry.with { registry throws in
            let tree = Self.seedNested(registry)
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let result = try await copier().copy(
                from: .registry(try ImageReference(parsing: "\(registry.address)/app:nested")),
                to: .ociLayout(directory: directory, tag: "v1"))
            #expect(result.manifestsCopied == 4)
            let layout = try OCILayout.open(directory)
            let root = try layout.manifest(layout.descriptor(tag: "v1"))
            #expect(root.bytes == Data(tree.root))
            for manifest in [tree.inner] + tree.images {
                #expect(layout.hasBlob(Digest.sha256(of: manifest), size: Int64(manifest.count)))
            }
            for blob in tree.blobs { #expect(layout.hasBlob(blob)) }
        }
    }

    @Test func nestedIndexIsPushedChildrenFirst() async throws {
        try await FakeRegistry.with { registry throws in
            let tree = Self.seedNested(registry)
            _ = try await copier().copy(
                from: .registry(try ImageReference(parsing: "\(registry.address)/app:nested")),
                to: .registry(try ImageReference(parsing: "\(registry.address)/copy:nested")))
            let puts = registry.requests("PUT", containing: "/v2/copy/manifests/").map { $0.path.components(separatedBy: "/manifests/")[1] }
            let images = tree.images.map { Digest.sha256(of: $0).description }
            #expect(puts.count == 4)
            #expect(Set(puts.prefix(2)) == Set(images))
            #expect(puts.dropFirst(2).first == Digest.sha256(of: tree.inner).description)
            #expect(puts.last == "nested")
            // Same registry: the blobs are mounted from the source repository, none uploaded.
            #expect(registry.requests("PATCH", containing: "/v2/copy/").isEmpty)
            #expect(registry.requests("POST", containing: "mount=").count == 4)
        }
    }

    /// A Docker image whose second layer is foreign (lives at its `urls`, not in the registry).
    static func seedForeignImage(_ registry: FakeRegistry) -> (manifest: [UInt8], foreign: Digest, local: [Digest]) {
        let config = Array(#"{"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let layer = Array("an ordinary layer".utf8)
        let foreignBytes = Array("a Windows base layer the registry does not hold".utf8)
        let local = [registry.seedBlob(config, repository: "win"), registry.seedBlob(layer, repository: "win")]
        let urls = #","urls":["https://mcr.example.invalid/blobs/\#(Digest.sha256(of: foreignBytes))"]"#
        let manifest = Array(
            #"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerManifest)","config":\#(descriptorJSON(MediaType.dockerConfig, config)),"layers":[\#(descriptorJSON(foreignLayerType, foreignBytes, extra: urls)),\#(descriptorJSON(MediaType.dockerLayerTarGzip, layer))]}"#
                .utf8)
        _ = registry.seedManifest(manifest, mediaType: MediaType.dockerManifest, repository: "win", tag: "1")
        return (manifest, Digest.sha256(of: foreignBytes), local)
    }

    @Test func foreignLayersAreNotFetchedAndTheManifestIsUnchanged() async throws {
        try await FakeRegistry.with { registry throws in
            let image = Self.seedForeignImage(registry)
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let source = try ImageReference(parsing: "\(registry.address)/win:1")

            _ = try await copier().copy(from: .registry(source), to: .ociLayout(directory: directory, tag: "1"))
            let layout = try OCILayout.open(directory)
            #expect(try layout.manifest(layout.descriptor(tag: "1")).bytes == Data(image.manifest))
            for blob in image.local { #expect(layout.hasBlob(blob)) }
            #expect(!layout.hasBlob(image.foreign))

            _ = try await copier().copy(from: .registry(source), to: .registry(try ImageReference(parsing: "\(registry.address)/win-copy:1")))
            #expect(registry.state.current.manifests["win-copy:1"]?.bytes == image.manifest)
            // Neither copy asked the registry for the foreign blob in any way.
            #expect(!registry.log.contains { $0.uri.contains(image.foreign.description) })
            #expect(registry.requests("GET", containing: "/blobs/").count == 2)
        }
    }

    // MARK: OCI layout

    @Test func sameSizeBlobWithOtherContentIsNotTrusted() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let layout = try OCILayout.openOrCreate(directory)
        let data = Data("the real content".utf8)
        let digest = try layout.writeBlob(data)
        #expect(layout.hasBlob(digest, size: Int64(data.count)))
        try Data("the fake content".utf8).write(to: layout.blobURL(digest))
        #expect(!layout.hasBlob(digest, size: Int64(data.count)))
        #expect(!layout.hasBlob(digest))
        // Writing the blob again repairs it instead of keeping the impostor.
        _ = try layout.writeBlob(data)
        #expect(try Data(contentsOf: layout.blobURL(digest)) == data)
    }

    @Test func concurrentSetTagKeepsEveryEntry() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let layout = try OCILayout.openOrCreate(directory)
        let count = 64
        var descriptors: [Descriptor] = []
        for index in 0..<count {
            let bytes = Data(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","n":\#(index)}"#.utf8)
            descriptors.append(Descriptor(mediaType: MediaType.ociManifest, digest: try layout.writeBlob(bytes), size: Int64(bytes.count)))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, descriptor) in descriptors.enumerated() {
                group.addTask {
                    // A fresh value per task, as separate copies (or processes) would have.
                    try OCILayout.open(directory).setTag("t\(index)", to: descriptor)
                }
            }
            try await group.waitForAll()
        }
        let reopened = try OCILayout.open(directory)
        #expect(Set(try reopened.tags()) == Set((0..<count).map { "t\($0)" }))
        for (index, descriptor) in descriptors.enumerated() {
            #expect(try reopened.descriptor(tag: "t\(index)").digest == descriptor.digest)
        }
    }
}
