import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import Testing

@testable import ReleaseKit

@Suite("Multi-platform plan, index and digests file")
struct MultiPlatformPlanTests {
    static func catalogue(devPlatforms: [String] = ["linux/amd64", "linux/arm64"]) throws -> LoadedCatalogue {
        let catalogue = try ImageCatalogue(entries: [
            .init(type: "base", repository: "ghcr.io/acme/base", dockerfile: "base/Dockerfile", context: "base", summary: "Base"),
            .init(
                type: "dev", repository: "ghcr.io/acme/dev", dockerfile: "dev/Dockerfile", context: "dev", parent: "base", summary: "Dev",
                platforms: try devPlatforms.map { try Platform(parsing: $0) }),
        ])
        return LoadedCatalogue(catalogue: catalogue, root: URL(fileURLWithPath: "/src"), origin: "test")
    }

    static func digest(_ byte: String) -> Digest { Digest(trustedSHA256Hex: String(repeating: byte, count: 32)) }

    @Test("plan shows the image × platform matrix and, per platform, base then dev FROM that platform's base")
    func matrix() throws {
        let plan = try ReleasePlanner(checkFiles: false).plan(Self.catalogue(devPlatforms: ["linux/arm64"]), version: ReleasePlannerTests.version("1.1.0"))
        #expect(plan.platforms.map(\.description) == ["linux/amd64", "linux/arm64"])
        #expect(plan.images(for: try Platform(parsing: "linux/amd64")).map(\.type) == ["base"])
        #expect(plan.images(for: try Platform(parsing: "linux/arm64")).map(\.type) == ["base", "dev"])
        let table = plan.renderedTable
        #expect(table.contains("IMAGE  linux/amd64  linux/arm64"))
        #expect(table.contains("dev    -            build"))
        #expect(table.contains("linux/arm64  base -> dev FROM base@<linux/arm64 digest>"))
        #expect(table.contains("linux/amd64  base\n") || table.hasSuffix("linux/amd64  base"))
        // The JSON plan carries the platforms and decodes again.
        let json = try plan.renderedJSON()
        #expect(json.contains(#""platforms" : ["#) && json.contains(#""linux/arm64""#), "top-level platforms for CI matrices")
        let top = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(top["platforms"] as? [String] == ["linux/amd64", "linux/arm64"])
        let decoded = try JSONDecoder.iso8601.decode(ReleasePlan.self, from: Data(json.utf8))
        #expect(decoded.images.map(\.platforms) == plan.images.map(\.platforms))
    }

    @Test("--platform narrows every image to that platform; an undeclared platform is refused")
    func narrowing() throws {
        let arm64 = try Platform(parsing: "linux/arm64")
        let plan = try ReleasePlanner(checkFiles: false, onlyPlatforms: [arm64])
            .plan(Self.catalogue(), version: ReleasePlannerTests.version("1.1.0"))
        #expect(plan.images.map(\.type) == ["base", "dev"])
        #expect(plan.images.allSatisfy { $0.platforms == [arm64] })
        #expect(throws: ReleasePlanError.self) {
            try ReleasePlanner(checkFiles: false, onlyPlatforms: [try Platform(parsing: "linux/s390x")])
                .plan(Self.catalogue(), version: ReleasePlannerTests.version("1.1.0"))
        }
    }

    @Test("the index lists the platforms in plan order with the shared OCI annotations, byte-for-byte stable")
    func index() throws {
        let plan = try ReleasePlanner(source: "https://github.com/acme/images", checkFiles: false)
            .plan(Self.catalogue(), version: ReleasePlannerTests.version("1.1.0"))
        let dev = plan.images[1]
        let platforms = [
            PublishedPlatform(
                platform: try Platform(parsing: "linux/amd64"), digest: Self.digest("0a"), mediaType: MediaType.ociManifest, size: 900,
                parentDigest: Self.digest("1a"), reused: false),
            PublishedPlatform(
                platform: try Platform(parsing: "linux/arm64"), digest: Self.digest("0b"), mediaType: MediaType.ociManifest, size: 901,
                parentDigest: Self.digest("1b"), reused: true),
        ]
        let (index, bytes) = try IndexAssembler.index(for: dev, platforms: platforms)
        #expect(index.mediaType == MediaType.ociIndex)
        #expect(index.manifests.map { $0.platform?.description } == ["linux/amd64", "linux/arm64"])
        #expect(index.manifests.map(\.digest) == [Self.digest("0a"), Self.digest("0b")])
        let annotations = try #require(index.annotations)
        #expect(annotations["org.opencontainers.image.version"] == "1.1.0")
        #expect(annotations["org.opencontainers.image.revision"] == String(repeating: "ab", count: 20))
        #expect(annotations["org.opencontainers.image.source"] == "https://github.com/acme/images")
        #expect(annotations["org.opencontainers.image.created"] == "2023-11-14T22:13:20Z")
        #expect(annotations.keys.allSatisfy { !$0.hasPrefix("org.opencontainers.image.base.") }, "base digests differ per platform")
        // Same inputs, same bytes (the fan-out merge relies on it); another order of the
        // results does not change the order in the index, which follows the plan.
        #expect(try IndexAssembler.index(for: dev, platforms: platforms).bytes == bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("\\/"), "slashes are not escaped")
        #expect(text.hasPrefix(#"{"annotations":"#), "keys are sorted")
    }

    @Test("the digests file round-trips, and bad files are named with the reason")
    func digestsFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let arm64 = try Platform(parsing: "linux/arm64")
        let digests = PlatformDigests(
            version: "1.1.0", revision: "abc", platforms: [arm64],
            images: [
                .init(
                    type: "base", repository: "r/base", platform: arm64, digest: Self.digest("0a"), mediaType: MediaType.ociManifest, size: 5,
                    parentDigest: nil),
                .init(
                    type: "dev", repository: "r/dev", platform: arm64, digest: Self.digest("0b"), mediaType: MediaType.ociManifest, size: 6,
                    parentDigest: Self.digest("0a")),
            ])
        let file = directory.appendingPathComponent("arm64.json")
        try digests.write(to: file)
        #expect(try PlatformDigests.read(from: file) == digests)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(#""parentDigest" : "sha256:"#) && text.contains(#""schemaVersion" : 1"#))

        let broken = directory.appendingPathComponent("broken.json")
        try Data(#"{"schemaVersion": 1, "version": "1.1.0"}"#.utf8).write(to: broken)
        #expect {
            try PlatformDigests.read(from: broken)
        } throws: { error in
            "\(error)".contains(broken.path) && "\(error)".contains("missing")
        }
        let future = directory.appendingPathComponent("future.json")
        try Data(text.replacingOccurrences(of: #""schemaVersion" : 1"#, with: #""schemaVersion" : 9"#).utf8).write(to: future)
        #expect {
            try PlatformDigests.read(from: future)
        } throws: { error in
            "\(error)".contains("schemaVersion 9")
        }
        #expect(throws: PublishError.self) { try PlatformDigests.read(from: directory.appendingPathComponent("absent.json")) }
    }
}

@Suite("Fan-out merge refuses bad digests files before touching a registry")
struct MergeValidationTests {
    @Test("a file of another release, or one missing a platform, is refused with the file and the fix")
    func refusals() async throws {
        let plan = try ReleasePlanner(registry: try RegistryOverride(parsing: "127.0.0.1:1/merge"), checkFiles: false)
            .plan(MultiPlatformPlanTests.catalogue(), version: ReleasePlannerTests.version("1.1.0"))
        let arm64 = try Platform(parsing: "linux/arm64")
        let publisher = ReleasePublisher(builder: BuildahBuilder(), registries: RegistryClientFactory(credentials: ChainedCredentials([])))
        func file(version: String, revision: String) -> PlatformDigests {
            PlatformDigests(
                version: version, revision: revision, platforms: [arm64],
                images: plan.images.map {
                    .init(
                        type: $0.type, repository: $0.repository, platform: arm64, digest: MultiPlatformPlanTests.digest("0c"),
                        mediaType: MediaType.ociManifest, size: 1, parentDigest: nil)
                })
        }
        let other = await #expect(throws: PublishError.self) {
            try await publisher.merge(plan, digests: [("old.json", file(version: "1.0.0", revision: plan.version.revision))])
        }
        #expect(other?.description.contains("old.json is for release 1.0.0") == true)
        let missing = await #expect(throws: PublishError.self) {
            try await publisher.merge(plan, digests: [("arm64.json", file(version: "1.1.0", revision: plan.version.revision))])
        }
        #expect(missing == .platformDigestMissing(type: "base", platform: "linux/amd64", files: ["arm64.json"]))
        #expect(missing?.description.contains("publish --platform linux/amd64 --push-by-digest") == true)
    }
}
