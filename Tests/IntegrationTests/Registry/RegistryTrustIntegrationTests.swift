import Foundation
import OCIDistribution
import OublietteCore
import TestSupport
import Testing

/// What the real registry saw, recorded by a proxy in front of it (not the client's own
/// counters), and complete copies of nested indexes and artifacts by the built release-tool.
@Suite("Registry trust (real registry)", .serialized, .timeLimit(.minutes(10)))
struct RegistryTrustIntegrationTests {
    func uniqueRepository(_ label: String) -> RepositoryName {
        RepositoryName(stringLiteral: "oubliette-it/\(label)-\(UUID().uuidString.prefix(8).lowercased())")
    }

    func releaseTool(_ arguments: [String]) async throws -> ToolResult {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        return try await ToolRunner.run(binary.path, arguments, check: false, timeout: 300)
    }

    static func isUpload(_ entry: RecordingProxy.Entry) -> Bool {
        entry.path.contains("/blobs/uploads/") && ["POST", "PATCH", "PUT"].contains(entry.method)
    }

    @Test("250 tags through real multi-page listing (a proxy that honours n)", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func multiPageTagListing() async throws {
        let bed = TestBed.required
        let proxy = try await RecordingProxy.start(upstream: bed.registry)
        try await withFixture(proxy, tearDown: { await $0.shutdown() }) { proxy throws in
            let work = try bed.makeTemporaryDirectory("trust-tags")
            let image = try LayoutFixture.make(in: work, layerSizes: [1_000])
            let repository = uniqueRepository("pages")
            let direct = RegistryClient(registry: bed.registry, credentials: AnonymousCredentials())
            let reference = try ImageReference(parsing: "\(bed.registry)/\(repository):v000")
            _ = try await ImageCopier(registries: RegistryClientFactory(), clients: [direct]).copy(
                from: .ociLayout(directory: image.layout.directory, tag: "1"), to: .registry(reference))
            let expected = (0..<250).map { String(format: "v%03d", $0) }
            try await direct.addTags(Array(expected.dropFirst()), to: reference)

            let throughProxy = RegistryClient(registry: proxy.address, credentials: AnonymousCredentials())
            let tags = try await throughProxy.tags(repository: repository, pageSize: 100)
            #expect(tags == expected)
            let listings = proxy.log.filter { $0.path.hasSuffix("/tags/list") }
            #expect(listings.map(\.query) == ["n=100", "n=100&last=v099", "n=100&last=v199"], "\(listings)")
            #expect(listings.allSatisfy { $0.status == 200 })
        }
    }

    @Test(
        "a second push or copy of an unchanged image uploads nothing (seen at the registry)",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func unchangedImageIsNotUploadedAgain() async throws {
        let bed = TestBed.required
        let proxy = try await RecordingProxy.start(upstream: bed.registry)
        try await withFixture(proxy, tearDown: { await $0.shutdown() }) { proxy throws in
            let work = try bed.makeTemporaryDirectory("trust-repush")
            let image = try LayoutFixture.make(in: work, layerSizes: [2 << 20, 100_000, 500])
            let repository = uniqueRepository("repush")
            let reference = try ImageReference(parsing: "\(proxy.address)/\(repository):1")
            let policy = UploadPolicy(monolithicLimit: 1 << 20, chunkSize: 1 << 20)
            func freshCopier() -> ImageCopier {
                ImageCopier(
                    registries: RegistryClientFactory(),
                    clients: [RegistryClient(registry: proxy.address, credentials: AnonymousCredentials(), uploadPolicy: policy)])
            }

            // Control: the first push is seen uploading (so the proxy does observe uploads).
            _ = try await freshCopier().copy(from: .ociLayout(directory: image.layout.directory, tag: "1"), to: .registry(reference))
            let first = proxy.log
            #expect(first.filter { $0.method == "PATCH" }.count >= 2, "\(first)")
            #expect(first.filter { $0.method == "PUT" && $0.path.contains("/blobs/uploads/") }.count == 4)

            // Again, with a new client: only HEADs of the four blobs, no upload request at all.
            var mark = proxy.log.count
            _ = try await freshCopier().copy(from: .ociLayout(directory: image.layout.directory, tag: "1"), to: .registry(reference))
            var second = proxy.log(since: mark)
            #expect(!second.contains(where: Self.isUpload), "\(second)")
            let heads = second.filter { $0.method == "HEAD" && $0.path.contains("/blobs/sha256:") }
            #expect(heads.count == 4 && heads.allSatisfy { $0.status == 200 })

            // The same for a registry → registry copy repeated into one destination.
            let target = try ImageReference(parsing: "\(proxy.address)/\(uniqueRepository("repush-copy")):1")
            _ = try await freshCopier().copy(from: .registry(reference), to: .registry(target))
            mark = proxy.log.count
            _ = try await freshCopier().copy(from: .registry(reference), to: .registry(target))
            second = proxy.log(since: mark)
            #expect(!second.contains(where: Self.isUpload), "\(second)")
            #expect(!second.contains { $0.method == "GET" && $0.path.contains("/blobs/") }, "no blob was downloaded either")
        }
    }

    @Test(
        "a cross-repository mount is a POST ?mount= answered 201 at the registry",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func crossRepositoryMountSeenAtTheRegistry() async throws {
        let bed = TestBed.required
        let proxy = try await RecordingProxy.start(upstream: bed.registry)
        try await withFixture(proxy, tearDown: { await $0.shutdown() }) { proxy throws in
            let work = try bed.makeTemporaryDirectory("trust-mount")
            let base = try LayoutFixture.make(in: work.appendingPathComponent("base"), layerSizes: [300_000, 200_000])
            let baseRepository = uniqueRepository("mount-base")
            let appRepository = uniqueRepository("mount-app")
            let client = RegistryClient(registry: proxy.address, credentials: AnonymousCredentials())
            _ = try await ImageCopier(registries: RegistryClientFactory(), clients: [client]).copy(
                from: .ociLayout(directory: base.layout.directory, tag: "1"),
                to: .registry(ImageReference(parsing: "\(proxy.address)/\(baseRepository):1")))
            let shared = try base.layers.map { try Data(contentsOf: base.layout.blobURL($0.digest)) }
            let app = try LayoutFixture.make(in: work.appendingPathComponent("app"), layerSizes: [10_000], sharedLayers: shared)
            let mark = proxy.log.count
            _ = try await ImageCopier(
                registries: RegistryClientFactory(), mountFrom: [baseRepository],
                clients: [RegistryClient(registry: proxy.address, credentials: AnonymousCredentials())]
            )
            .copy(from: .ociLayout(directory: app.layout.directory, tag: "1"), to: .registry(ImageReference(parsing: "\(proxy.address)/\(appRepository):1")))
            let entries = proxy.log(since: mark)
            let mounts = entries.filter { $0.method == "POST" && $0.path == "/v2/\(appRepository)/blobs/uploads/" && $0.query.contains("mount=") }
            #expect(mounts.filter { $0.status == 201 && $0.query.contains("from=\(baseRepository)") }.count == 2, "\(entries)")
            for layer in base.layers {
                #expect(mounts.contains { $0.query.contains("mount=\(layer.digest)") })
                // Nothing of a mounted layer was sent.
                #expect(!entries.contains { $0.method == "PUT" && $0.query.contains("digest=\(layer.digest)") })
            }
        }
    }

    /// index → index → two image manifests, pushed by digest children first; the root tagged.
    func pushNestedIndex(_ bed: TestBed, work: URL) async throws -> (reference: ImageReference, manifests: [FetchedManifest], blobs: [Digest]) {
        let repository = uniqueRepository("nested")
        let client = RegistryClient(registry: bed.registry, credentials: AnonymousCredentials())
        var images: [LayoutFixture.Image] = []
        for (index, architecture) in ["amd64", "arm64"].enumerated() {
            let image = try LayoutFixture.make(in: work.appendingPathComponent(architecture), layerSizes: [20_000 + index])
            _ = try await ImageCopier(registries: RegistryClientFactory(), clients: [client]).copy(
                from: .ociLayout(directory: image.layout.directory, tag: "1"),
                to: .registry(ImageReference(parsing: "\(bed.registry)/\(repository)@\(image.manifest.digest)")))
            images.append(image)
        }
        func indexBytes(_ entries: [(String, FetchedManifest, String?)]) -> Data {
            let list = entries.map { mediaType, manifest, architecture in
                #"{"mediaType":"\#(mediaType)","digest":"\#(manifest.digest)","size":\#(manifest.bytes.count)"#
                    + (architecture.map { #","platform":{"architecture":"\#($0)","os":"linux"}"# } ?? "") + "}"
            }
            return Data(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[\#(list.joined(separator: ","))]}"#.utf8)
        }
        let innerBytes = indexBytes([(MediaType.ociManifest, images[0].manifest, "amd64"), (MediaType.ociManifest, images[1].manifest, "arm64")])
        let inner = FetchedManifest(bytes: innerBytes, mediaType: MediaType.ociIndex, digest: Digest.sha256(of: innerBytes))
        _ = try await client.putManifest(innerBytes, mediaType: MediaType.ociIndex, repository: repository, reference: .digest(inner.digest))
        let rootBytes = indexBytes([(MediaType.ociIndex, inner, nil)])
        let root = FetchedManifest(bytes: rootBytes, mediaType: MediaType.ociIndex, digest: Digest.sha256(of: rootBytes))
        _ = try await client.putManifest(rootBytes, mediaType: MediaType.ociIndex, repository: repository, reference: .tag("nested"))
        let blobs = images.flatMap { [$0.config] + $0.layers.map(\.digest) }
        return (try ImageReference(parsing: "\(bed.registry)/\(repository):nested"), [root, inner] + images.map(\.manifest), blobs)
    }

    @Test(
        "release-tool registry copy of a nested index: complete in a layout and in a registry",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func nestedIndexCopies() async throws {
        let bed = TestBed.required
        let work = try bed.makeTemporaryDirectory("trust-nested")
        let (reference, manifests, blobs) = try await pushNestedIndex(bed, work: work)

        // registry → OCI layout
        let layoutDirectory = work.appendingPathComponent("layout")
        let toLayout = try await releaseTool(["registry", "copy", "docker://\(reference)", "oci:\(layoutDirectory.path):nested"])
        #expect(toLayout.status == 0, "\(toLayout.stderr)")
        let layout = try OCILayout.open(layoutDirectory)
        #expect(try layout.descriptor(tag: "nested").digest == manifests[0].digest)
        for manifest in manifests { #expect(try layout.readBlob(manifest.digest) == manifest.bytes) }
        for blob in blobs { #expect(layout.hasBlob(blob), "blob \(blob) missing from the layout") }
        let skopeoLayout = try await ToolRunner.run("skopeo", ["inspect", "--raw", "oci:\(layoutDirectory.path):nested"], check: false)
        #expect(skopeoLayout.status == 0 && skopeoLayout.stdoutData == manifests[0].bytes, "\(skopeoLayout.stderr)")

        // registry → registry
        let targetRepository = uniqueRepository("nested-copy")
        let target = "\(bed.registry)/\(targetRepository):nested"
        let toRegistry = try await releaseTool(["registry", "copy", "docker://\(reference)", "docker://\(target)"])
        #expect(toRegistry.status == 0, "\(toRegistry.stderr)")
        let client = RegistryClient(registry: bed.registry, credentials: AnonymousCredentials())
        for manifest in manifests {
            #expect(try await client.manifest(repository: targetRepository, reference: .digest(manifest.digest)).bytes == manifest.bytes)
        }
        for blob in blobs { #expect(try await client.blobExists(repository: targetRepository, digest: blob)) }
        // Another tool agrees: skopeo reads the root, and copies every leaf image out of the
        // destination (all its blobs present). skopeo itself refuses to copy an index of
        // indexes ("received a manifest list instead of a manifest"), so leaves go one by one.
        let skopeoRoot = try await ToolRunner.run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(target)"], check: false)
        #expect(skopeoRoot.status == 0 && skopeoRoot.stdoutData == manifests[0].bytes, "\(skopeoRoot.stderr)")
        for (index, leaf) in manifests.dropFirst(2).enumerated() {
            let skopeoCopy = try await ToolRunner.run(
                "skopeo",
                [
                    "copy", "--src-tls-verify=false", "docker://\(bed.registry)/\(targetRepository)@\(leaf.digest)",
                    "oci:\(work.appendingPathComponent("skopeo").path):leaf\(index)",
                ], check: false)
            #expect(skopeoCopy.status == 0, "\(skopeoCopy.stderr)")
        }
    }

    @Test(
        "release-tool registry inspect --json of an OCI artifact reports its artifactType",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func inspectArtifact() async throws {
        let bed = TestBed.required
        let repository = uniqueRepository("artifact")
        let client = RegistryClient(registry: bed.registry, credentials: AnonymousCredentials())
        let empty = Data("{}".utf8)
        let payload = Data(#"{"spdxVersion":"SPDX-2.3"}"#.utf8)
        try await client.pushBlob(repository: repository, data: empty)
        try await client.pushBlob(repository: repository, data: payload)
        let artifactType = "application/spdx+json"
        let manifest = Data(
            (#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","artifactType":"\#(artifactType)","#
                + #""config":{"mediaType":"\#(MediaType.ociEmpty)","digest":"\#(Digest.sha256(of: empty))","size":2},"#
                + #""layers":[{"mediaType":"application/spdx+json","digest":"\#(Digest.sha256(of: payload))","size":\#(payload.count)}]}"#).utf8)
        _ = try await client.putManifest(manifest, mediaType: MediaType.ociManifest, repository: repository, reference: .tag("sbom"))

        let result = try await releaseTool(["registry", "inspect", "\(bed.registry)/\(repository):sbom", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(report["artifact_type"] as? String == artifactType)
        #expect(report["digest"] as? String == Digest.sha256(of: manifest).description)
        #expect(report["architecture"] == nil)
    }
}
