import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import OublietteCore
import ReleaseKit
import Testing

/// End to end: a real git repository with release tags, the busybox fixture catalogue,
/// buildah, and the test bed's registry.
@Suite("Release publish (end to end)", .serialized)
struct ReleasePublishTests {
    /// v1.0.0 → v1.1.0-rc.1 → v1.1.0 on main, v1.0.1 backported on a branch from v1.0.0, plus a junk tag.
    static func makeRepository(in directory: URL, fixture name: String = "busybox") async throws {
        func git(_ arguments: String...) async throws {
            try await ToolRunner.run(
                "git", ["-C", directory.path] + arguments,
                environment: ["GIT_COMMITTER_DATE": "2024-03-04T05:06:07Z", "GIT_AUTHOR_DATE": "2024-03-04T05:06:07Z"])
        }
        try await git("init", "-q", "-b", "main")
        try await git("config", "user.email", "release-test@example.invalid")
        try await git("config", "user.name", "Release Test")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        try FileManager.default.copyItem(at: fixture, to: directory.appendingPathComponent("images"))
        try await git("add", "-A")
        try await git("commit", "-q", "-m", "first release")
        try await git("tag", "v1.0.0")
        try await git("tag", "not-a-version")
        try await git("commit", "-q", "--allow-empty", "-m", "release candidate")
        try await git("tag", "-a", "v1.1.0-rc.1", "-m", "rc")
        try await git("commit", "-q", "--allow-empty", "-m", "final")
        try await git("tag", "-a", "v1.1.0", "-m", "final")
        try await git("checkout", "-q", "-b", "release-1.0", "v1.0.0")
        try await git("commit", "-q", "--allow-empty", "-m", "backport fix")
        try await git("tag", "v1.0.1")
    }

    static func checkout(_ tag: String, in directory: URL) async throws {
        try await ToolRunner.run("git", ["-C", directory.path, "checkout", "-q", tag])
    }

    static func publish(_ bed: TestBed, repository: URL, namespace: String) async throws -> (ReleasePlan, PublishReport) {
        let inputs = ReleaseInputs(
            repositoryPath: repository.path, catalogueFile: repository.appendingPathComponent("images/catalogue.jsonc").path,
            registry: "\(bed.registry)/\(namespace)",
            buildArguments: ["BUSYBOX_IMAGE=\(bed.busyboxImage)"])
        let plan = try inputs.plan()
        let builder = BuildahBuilder(
            options: .init(
                root: "\(bed.buildahRoot)/root", runRoot: "\(bed.buildahRoot)/runroot",
                tlsVerify: false))
        let publisher = ReleasePublisher(
            builder: builder, workDirectory: try bed.makeTemporaryDirectory("layouts"),
            registries: RegistryClientFactory(credentials: OublietteCredentials.standard()))
        return (plan, try await publisher.publish(plan))
    }

    @Test(
        "v1.1.0 pushes base then dev pinned to base; rc and backport leave latest; re-publish uploads nothing",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(10)))
    func endToEnd() async throws {
        let bed = TestBed.required
        let repository = try bed.makeTemporaryDirectory("release-repo")
        try await Self.makeRepository(in: repository)
        let namespace = "e2e-\(UUID().uuidString.prefix(8).lowercased())"
        let client = RegistryClient(registry: bed.registry)
        let baseRepository = "\(namespace)/oubliette-base", devRepository = "\(namespace)/oubliette-dev"

        // 1. v1.1.0: base then dev, both tagged v1.1.0 and latest.
        try await Self.checkout("v1.1.0", in: repository)
        let (plan, first) = try await Self.publish(bed, repository: repository, namespace: namespace)
        #expect(plan.images.map(\.type) == ["base", "dev"])
        #expect(first.images.map(\.type) == ["base", "dev"])
        #expect(first.images.allSatisfy { !$0.reused })
        let base = try #require(first.images.first), dev = try #require(first.images.last)
        #expect(base.tags == ["v1.1.0", "latest"])
        for (repo, image) in [(baseRepository, base), (devRepository, dev)] {
            let versioned = try await client.manifestDescriptor(repository: try RepositoryName(repo), reference: "v1.1.0")
            let latest = try await client.manifestDescriptor(repository: try RepositoryName(repo), reference: "latest")
            #expect(versioned?.digest == image.digest, "\(repo):v1.1.0")
            #expect(latest?.digest == image.digest, "\(repo):latest is the same manifest")
        }

        // dev records the exact base digest it was built from, and has base's layers underneath.
        let devReference = try ImageReference(parsing: "\(bed.registry)/\(devRepository):v1.1.0")
        let devConfig = try #require(try await client.imageConfiguration(of: devReference))
        // Tags point at an index; dev's platform manifest records base's manifest for the same platform.
        let baseManifest = try #require(base.platforms.first), devManifest = try #require(dev.platforms.first)
        #expect(devManifest.parentDigest == baseManifest.digest)
        #expect(devConfig.labels["org.opencontainers.image.base.digest"] == baseManifest.digest.description)
        #expect(devConfig.labels["org.opencontainers.image.base.name"] == "\(bed.registry)/\(baseRepository):v1.1.0")
        #expect(devConfig.labels["org.opencontainers.image.version"] == "1.1.0")
        #expect(devConfig.labels["org.opencontainers.image.revision"] == plan.version.revision)
        #expect(devConfig.labels["org.opencontainers.image.created"] == "2024-03-04T05:06:07Z", "created = commit time")
        let baseLayers = try await client.manifest(repository: try RepositoryName(baseRepository), reference: .digest(baseManifest.digest)).imageManifest()
            .layers
        let devLayers = try await client.manifest(repository: try RepositoryName(devRepository), reference: .digest(devManifest.digest)).imageManifest().layers
        #expect(Array(devLayers.prefix(baseLayers.count)).map(\.digest) == baseLayers.map(\.digest))

        // The dev push mounted base's layers instead of uploading them.
        #expect(dev.blobsMounted >= baseLayers.count, "dev mounted \(dev.blobsMounted) blobs; base has \(baseLayers.count) layers")
        let baseLayerBytes = baseLayers.reduce(Int64(0)) { $0 + $1.size }
        #expect(dev.bytesUploaded < baseLayerBytes, "dev uploaded \(dev.bytesUploaded) bytes, base layers are \(baseLayerBytes)")

        // 2. Same version again: nothing uploaded, measured from the client's counters.
        let (_, second) = try await Self.publish(bed, repository: repository, namespace: namespace)
        #expect(second.counters.blobBytesUploaded == 0)
        #expect(second.counters.blobsUploaded == 0)
        #expect(second.images.allSatisfy { $0.reused })
        #expect(second.images.map(\.digest) == first.images.map(\.digest))

        // 3. The release candidate and the backport do not move latest.
        for tag in ["v1.1.0-rc.1", "v1.0.1"] {
            try await Self.checkout(tag, in: repository)
            let (plan, report) = try await Self.publish(bed, repository: repository, namespace: namespace)
            #expect(plan.images.allSatisfy { $0.tags == [tag] }, "\(tag) gets only its own tag")
            for (repo, image) in [(baseRepository, base), (devRepository, dev)] {
                let latest = try await client.manifestDescriptor(repository: try RepositoryName(repo), reference: "latest")
                #expect(latest?.digest == image.digest, "\(repo):latest still v1.1.0 after publishing \(tag)")
                let own = try await client.manifestDescriptor(repository: try RepositoryName(repo), reference: .tag(tag))
                #expect(own?.digest == report.images.first { repo.hasSuffix($0.repositoryName) }?.digest)
            }
        }
    }

    @Test(
        "untagged HEAD is refused without --snapshot; a snapshot never gets latest",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(5)))
    func snapshot() async throws {
        let bed = TestBed.required
        let repository = try bed.makeTemporaryDirectory("release-snapshot")
        try await Self.makeRepository(in: repository)
        try await ToolRunner.run("git", ["-C", repository.path, "commit", "-q", "--allow-empty", "-m", "untagged"])
        let inputs = ReleaseInputs(
            repositoryPath: repository.path,
            catalogueFile: repository.appendingPathComponent("images/catalogue.jsonc").path,
            registry: "\(bed.registry)/snap", buildArguments: ["BUSYBOX_IMAGE=\(bed.busyboxImage)"])
        #expect(throws: ReleaseVersionError.self) { try inputs.plan() }
        var snapshot = inputs
        snapshot.versionPolicy.allowSnapshot = true
        let plan = try snapshot.plan()
        #expect(plan.version.isSnapshot)
        #expect(plan.images.allSatisfy { $0.tags.count == 1 && $0.tags[0].hasPrefix("v0.0.0-snapshot-") })
    }
}

extension PublishedImage {
    /// `oubliette-base` from the pushed reference.
    var repositoryName: String { reference.repository.split(separator: "/").last.map(String.init) ?? reference.repository }
}
