import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import OublietteCore
import ReleaseKit
import Testing

/// The two-platform busybox fixture (Tests/Fixtures/busybox-multi) published for real: buildah
/// builds linux/amd64 and linux/arm64 (real aarch64 busybox, no emulation), the bed's
/// registry receives one index per image, and skopeo — not our client — reads it back.
@Suite("Multi-platform publish (end to end)", .serialized)
struct MultiPlatformPublishTests {
    /// `publish --json` writes snake_case keys, as every --json output.
    static var snakeCaseDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    static let amd64 = Platform(architecture: "amd64", os: "linux")
    static let arm64 = Platform(architecture: "arm64", os: "linux")

    static func inputs(_ bed: TestBed, repository: URL, namespace: String) throws -> ReleaseInputs {
        ReleaseInputs(
            repositoryPath: repository.path, catalogueFile: repository.appendingPathComponent("images/catalogue.jsonc").path,
            registry: "\(bed.registry)/\(namespace)",
            buildArguments: ["BUSYBOX_IMAGE=\(try #require(bed.busyboxMultiImage))"])
    }

    static func publisher(_ bed: TestBed, force: Bool = false) throws -> ReleasePublisher {
        let builder = BuildahBuilder(options: .init(root: "\(bed.buildahRoot)/root", runRoot: "\(bed.buildahRoot)/runroot", tlsVerify: false))
        return ReleasePublisher(
            builder: builder, force: force, workDirectory: try bed.makeTemporaryDirectory("layouts"),
            registries: RegistryClientFactory(credentials: OublietteCredentials.standard()))
    }

    /// `skopeo inspect --raw`, decoded as an index.
    static func rawIndex(_ reference: String) async throws -> ImageIndex {
        let raw = try await ToolRunner.run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(reference)"])
        return try RegistryJSON.decode(ImageIndex.self, from: raw.stdoutData)
    }

    /// `file` on the busybox binary in the image skopeo selects for `architecture`.
    static func busyboxKind(_ reference: String, architecture: String, scratch: URL) async throws -> String {
        let directory = scratch.appendingPathComponent("copy-\(architecture)")
        try await ToolRunner.run(
            "skopeo",
            [
                "copy", "-q", "--src-tls-verify=false", "--override-arch", architecture, "--override-os", "linux",
                "docker://\(reference)", "dir:\(directory.path)",
            ])
        let manifest = try RegistryJSON.decode(ImageManifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        for layer in manifest.layers {
            let unpacked = scratch.appendingPathComponent("layer-\(architecture)-\(layer.digest.encoded.prefix(12))")
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
            try await ToolRunner.run("tar", ["-xf", directory.appendingPathComponent(layer.digest.encoded).path, "-C", unpacked.path])
            let busybox = unpacked.appendingPathComponent("bin/busybox")
            if FileManager.default.fileExists(atPath: busybox.path) {
                return try await ToolRunner.run("file", ["-b", busybox.path]).stdout
            }
        }
        Issue.record("no layer of \(reference) (\(architecture)) holds bin/busybox")
        return ""
    }

    @Test(
        "v1.1.0 is an index of exactly amd64 + arm64 with real binaries; dev pins base per platform; rc/backport keep latest; republish uploads nothing",
        .enabled(if: TestBed.hasMultiPlatformFixture, TestBed.multiPlatformSkipReason), .timeLimit(.minutes(10)))
    func endToEnd() async throws {
        let bed = TestBed.required
        let repository = try bed.makeTemporaryDirectory("multi-release-repo")
        try await ReleasePublishTests.makeRepository(in: repository, fixture: "busybox-multi")
        let namespace = "multi-\(UUID().uuidString.prefix(8).lowercased())"
        let client = RegistryClient(registry: bed.registry)
        let scratch = try bed.makeTemporaryDirectory("multi-scratch")

        try await ReleasePublishTests.checkout("v1.1.0", in: repository)
        let plan = try Self.inputs(bed, repository: repository, namespace: namespace).plan()
        #expect(plan.platforms == [Self.amd64, Self.arm64])
        let first = try await Self.publisher(bed).publish(plan)
        #expect(first.images.map(\.type) == ["base", "dev"])
        let base = try #require(first.images.first), dev = try #require(first.images.last)

        for image in [base, dev] {
            let name = "\(bed.registry)/\(namespace)/\(image.repositoryName)"
            for tag in ["v1.1.0", "latest"] {
                let index = try await Self.rawIndex("\(name):\(tag)")
                #expect(index.mediaType == MediaType.ociIndex, "\(name):\(tag) is an OCI index")
                #expect(index.manifests.compactMap(\.platform) == [Self.amd64, Self.arm64], "\(name):\(tag) has exactly amd64 and arm64")
                #expect(index.manifests.map(\.digest) == image.platforms.map(\.digest))
                #expect(index.annotations?["org.opencontainers.image.version"] == "1.1.0")
                #expect(index.annotations?["org.opencontainers.image.revision"] == plan.version.revision)
            }
            #expect(image.indexDigest == image.digest)
        }

        // The arm64 image really holds an aarch64 busybox, the amd64 one an x86-64 busybox.
        let devName = "\(bed.registry)/\(namespace)/oubliette-dev:v1.1.0"
        let arm64Kind = try await Self.busyboxKind(devName, architecture: "arm64", scratch: scratch)
        let amd64Kind = try await Self.busyboxKind(devName, architecture: "amd64", scratch: scratch)
        #expect(arm64Kind.contains("ARM aarch64"), "\(arm64Kind)")
        #expect(amd64Kind.contains("x86-64"), "\(amd64Kind)")

        // dev's arm64 config records base's arm64 digest (and amd64 likewise), and its layers start with base's.
        let devReference = try ImageReference(parsing: devName)
        for platform in [Self.amd64, Self.arm64] {
            let baseManifest = try #require(base.platforms.first { $0.platform == platform })
            let devManifest = try #require(dev.platforms.first { $0.platform == platform })
            #expect(devManifest.parentDigest == baseManifest.digest)
            let configuration = try #require(try await client.imageConfiguration(of: devReference, platform: platform))
            #expect(configuration.architecture == platform.architecture)
            #expect(configuration.labels["org.opencontainers.image.base.digest"] == baseManifest.digest.description, "\(platform)")
        }
        #expect(base.platforms[0].digest != base.platforms[1].digest)

        // Republishing: 0 blob bytes, and no manifest, index or tag PUT again.
        let second = try await Self.publisher(bed).publish(plan)
        #expect(second.counters.blobBytesUploaded == 0)
        #expect(second.counters.manifestsPushed == 0)
        #expect(second.images.allSatisfy { $0.reused })
        #expect(second.images.map(\.digest) == first.images.map(\.digest))

        // The release candidate and the backport get only their own tag (an index), and leave latest.
        for tag in ["v1.1.0-rc.1", "v1.0.1"] {
            try await ReleasePublishTests.checkout(tag, in: repository)
            let other = try Self.inputs(bed, repository: repository, namespace: namespace).plan()
            #expect(other.images.allSatisfy { $0.tags == [tag] })
            let report = try await Self.publisher(bed).publish(other)
            for image in [base, dev] {
                let repositoryName = try RepositoryName("\(namespace)/\(image.repositoryName)")
                #expect(try await client.manifestDescriptor(repository: repositoryName, reference: "latest")?.digest == image.digest)
                let own = try await client.manifest(repository: repositoryName, reference: .tag(tag))
                #expect(own.isIndex && own.digest == report.images.first { $0.type == image.type }?.digest)
            }
        }
    }

    @Test(
        "fan-out (--push-by-digest per platform, then --merge) gives the same index digests as a one-process publish",
        .enabled(if: TestBed.hasMultiPlatformFixture, TestBed.multiPlatformSkipReason), .timeLimit(.minutes(10)))
    func fanOutMatchesOneProcess() async throws {
        let bed = TestBed.required
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        let repository = try bed.makeTemporaryDirectory("fanout-repo")
        try await ReleasePublishTests.makeRepository(in: repository, fixture: "busybox-multi")
        try await ReleasePublishTests.checkout("v1.1.0", in: repository)
        let namespace = "fanout-\(UUID().uuidString.prefix(8).lowercased())"
        let work = try bed.makeTemporaryDirectory("fanout-work")
        // Its own buildah store: the digests compared below must not depend on what other
        // tests build, pull or remove in the shared one at the same time.
        let store = try bed.makeTemporaryDirectory("fanout-buildah")
        let common = [
            "publish", "--repo", repository.path, "--catalogue", repository.appendingPathComponent("images/catalogue.jsonc").path,
            "--registry", "\(bed.registry)/\(namespace)", "--build-arg", "BUSYBOX_IMAGE=\(try #require(bed.busyboxMultiImage))",
            "--builder", "buildah", "--buildah-root", "\(store.path)/root", "--buildah-runroot", "\(store.path)/runroot",
            "--work-dir", work.path,
        ]
        // 1. One job per platform: pushed by digest, no tag moved.
        var files: [String] = []
        for platform in ["linux/amd64", "linux/arm64"] {
            let file = work.appendingPathComponent("digests-\(platform.replacingOccurrences(of: "/", with: "-")).json").path
            try await ToolRunner.run(binary.path, common + ["--platform", platform, "--push-by-digest", "--digests-out", file])
            let digests = try PlatformDigests.read(from: URL(fileURLWithPath: file))
            #expect(digests.images.map(\.type) == ["base", "dev"])
            #expect(digests.images.allSatisfy { $0.platform.description == platform })
            #expect(digests.images[1].parentDigest == digests.images[0].digest, "dev FROM this platform's base")
            files.append(file)
        }
        let client = RegistryClient(registry: bed.registry)
        let baseRepository = try RepositoryName("\(namespace)/oubliette-base")
        #expect(try await client.manifestDescriptor(repository: baseRepository, reference: "v1.1.0") == nil, "--push-by-digest moves no tag")

        // 2. The merge job.
        let merged = try await ToolRunner.run(binary.path, common + ["--merge"] + files + ["--json"])
        let mergedReport = try Self.snakeCaseDecoder.decode(PublishReport.self, from: merged.stdoutData)
        #expect(mergedReport.images.allSatisfy { $0.platforms.count == 2 && $0.indexDigest != nil })

        // 3. The same inputs in one process, rebuilt from scratch (--force): identical index digests.
        let oneProcess = try await ToolRunner.run(binary.path, common + ["--force", "--json"])
        let oneReport = try Self.snakeCaseDecoder.decode(PublishReport.self, from: oneProcess.stdoutData)
        #expect(oneReport.images.map(\.digest) == mergedReport.images.map(\.digest))
        #expect(oneReport.images.flatMap(\.platforms).map(\.digest) == mergedReport.images.flatMap(\.platforms).map(\.digest))
        for image in mergedReport.images {
            let repositoryName = try RepositoryName("\(namespace)/\(image.repositoryName)")
            #expect(try await client.manifestDescriptor(repository: repositoryName, reference: "latest")?.digest == image.digest)
        }
        // dev's manifests name as their base the manifest base pushed to the registry, though the
        // --force run found base in its buildah store, where base has a local manifest digest.
        let base = try #require(oneReport.images.first), dev = try #require(oneReport.images.last)
        let devRepository = try RepositoryName("\(namespace)/\(dev.repositoryName)")
        for (devPlatform, basePlatform) in zip(dev.platforms, base.platforms) {
            let manifest = try await client.manifest(repository: devRepository, reference: .digest(devPlatform.digest)).imageManifest()
            #expect(manifest.annotations?["org.opencontainers.image.base.digest"] == basePlatform.digest.description, "\(devPlatform.platform)")
        }

        // 4. A merge missing a platform, or of another commit, is refused with the reason.
        let partial = try await ToolRunner.run(binary.path, common + ["--merge", files[0]], check: false)
        #expect(partial.status != 0)
        #expect(partial.stderr.contains("no digest for image 'base' on linux/arm64"), "\(partial.stderr)")
    }

    @Test(
        "registry copy takes the index whole or one platform; inspect lists the index's platforms",
        .enabled(if: TestBed.hasMultiPlatformFixture, TestBed.multiPlatformSkipReason), .timeLimit(.minutes(5)))
    func copyAndInspect() async throws {
        let bed = TestBed.required
        let source = try ImageReference(parsing: try #require(bed.busyboxMultiImage))
        let namespace = "copy-\(UUID().uuidString.prefix(8).lowercased())"
        let whole = try ImageReference(parsing: "\(bed.registry)/\(namespace)/whole:1")
        let one = try ImageReference(parsing: "\(bed.registry)/\(namespace)/arm64:1")
        let copied = try await ImageCopier(registries: RegistryClientFactory()).copy(from: .registry(source), to: .registry(whole))
        let client = RegistryClient(registry: bed.registry)
        let sourceIndex = try await client.manifest(repository: source.repositoryName, reference: source.manifestReference)
        #expect(copied.digest == sourceIndex.digest, "an index is copied whole, byte for byte")

        var selecting = ImageCopier(registries: RegistryClientFactory())
        selecting.platform = Self.arm64
        let selected = try await selecting.copy(from: .registry(source), to: .registry(one))
        let arm64Entry = try #require(try sourceIndex.imageIndex().manifest(for: Self.arm64))
        #expect(selected.digest == arm64Entry.digest)
        let fetched = try await client.manifest(repository: one.repositoryName, reference: one.manifestReference)
        #expect(!fetched.isIndex)
        #expect(try await client.imageConfiguration(of: one)?.architecture == "arm64")
        // The config lookup of an index resolves to this host's platform.
        #expect(try await client.imageConfiguration(of: whole)?.architecture == Platform.host.architecture)

        selecting.platform = Platform(architecture: "s390x", os: "linux")
        await #expect(throws: PlatformError.self) { try await selecting.copy(from: .registry(source), to: .registry(one)) }

        // The CLI: `registry inspect --json` lists the platforms, `registry copy --platform` picks one.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        let inspected = try await ToolRunner.run(binary.path, ["registry", "inspect", whole.description, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: inspected.stdoutData) as? [String: Any])
        let platforms = try #require(report["platforms"] as? [[String: Any]])
        #expect(platforms.map { $0["platform"] as? String } == ["linux/amd64", "linux/arm64"])
        let table = try await ToolRunner.run(binary.path, ["registry", "inspect", whole.description]).stdout
        #expect(table.contains("Platforms: 2") && table.contains("linux/arm64  sha256:"))
        let amd64Copy = "\(bed.registry)/\(namespace)/amd64:1"
        try await ToolRunner.run(binary.path, ["registry", "copy", "--platform", "linux/amd64", "docker://\(source)", "docker://\(amd64Copy)"])
        let amd64Config = try await client.imageConfiguration(of: try ImageReference(parsing: amd64Copy))
        #expect(amd64Config?.architecture == "amd64")
    }
}
