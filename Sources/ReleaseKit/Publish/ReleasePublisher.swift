import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import SystemSupport

/// Builds and pushes a `ReleasePlan`, one platform at a time per image: on each platform P,
/// parents first, each child built `FROM` the parent's just-pushed platform-P manifest (by
/// digest). Every platform manifest is pushed by digest; then one OCI index per image lists
/// them, carrying the `org.opencontainers.image.*` annotations, and the versioned tag (then
/// `latest` and the others) points at the index.
///
/// Idempotent: a platform whose manifest under the versioned tag already has this revision,
/// version and base digest is not built again (unless `force`); an index or tag that
/// already has the same digest is not PUT again.
///
/// A thin orchestrator: ``PlatformBuildStep`` builds and pushes the platform manifests,
/// ``IndexAssembler`` pushes and tags each index, then the post-index hooks (signing, SBOM
/// attestations) run on it. All of them take their registry clients from one factory.
///
/// Fan-out for CI: ``publishPlatforms(_:published:)`` does the build-and-push half for the
/// plan's platforms (no tags) and returns ``PlatformDigests``; ``merge(_:digests:published:)``
/// does the index-and-tags half from those files. Together they write the same index bytes
/// as ``publish(_:published:)``.
package struct ReleasePublisher: Sendable {
    package var builder: any ImageBuilder
    package var signer: (any Signer)?
    package var force: Bool
    /// Where OCI layouts are exported to; each is removed after its push.
    package var workDirectory: URL
    /// Every registry client of the publish (builds, index, signer, SBOM) comes from here.
    package var registries: RegistryClientFactory
    /// Build the platforms' chains at the same time (each chain stays parents-first).
    package var concurrentPlatforms = true
    /// Attaches each published platform image's SPDX SBOM as an attestation (nil: none).
    package var sbomAttestation: SBOMAttestation?
    /// Progress lines (stderr in the CLI).
    package var log: @Sendable (String) -> Void
    /// Blob and manifest events of the platform pushes (nil: none).
    package var progress: TransferProgressHandler?

    package init(
        builder: any ImageBuilder, signer: (any Signer)? = nil, force: Bool = false,
        workDirectory: URL = FileManager.default.temporaryDirectory, registries: RegistryClientFactory,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.builder = builder
        self.signer = signer
        self.force = force
        self.workDirectory = workDirectory
        self.registries = registries
        self.log = log
    }

    /// Run on each index once it is pushed and tagged: signing first, then the SBOMs.
    package var postIndexHooks: [any PostIndexHook] {
        var hooks: [any PostIndexHook] = [SigningHook(signer: signer, log: log)]
        if let sbomAttestation { hooks.append(SBOMHook(attestation: sbomAttestation)) }
        return hooks
    }

    private var buildStep: PlatformBuildStep {
        PlatformBuildStep(
            builder: builder, registries: registries, force: force, workDirectory: workDirectory,
            concurrentPlatforms: concurrentPlatforms, progress: progress, log: log)
    }

    /// Publishes every image of `plan` on all its platforms, calling `published` as each
    /// image's index is tagged (the CLI prints `ref@digest` there, so partial progress is
    /// visible if a later image fails).
    package func publish(
        _ plan: ReleasePlan,
        published: @Sendable (PublishedImage) -> Void = { _ in }
    ) async throws -> PublishReport {
        let session = try await PublishSession(plan: plan, registries: registries)
        let built = try await buildStep.buildPlatforms(plan, session: session)
        var results: [PublishedImage] = []
        for image in plan.images {
            let result = try await assemble(
                image, platforms: try PlatformBuildStep.ordered(built, for: image), version: plan.version,
                parentIndex: image.parent.flatMap { parent in results.first { $0.type == parent }?.digest }, session: session)
            results.append(result)
            published(result)
        }
        return PublishReport(version: plan.version.version.description, images: results, counters: await session.counters())
    }

    /// The build-and-push half of a fan-out: every image on the plan's platforms, pushed by
    /// digest with no tag moved. `published` is called per image once its platforms are pushed.
    package func publishPlatforms(
        _ plan: ReleasePlan,
        published: @Sendable (PublishedImage) -> Void = { _ in }
    ) async throws -> (report: PublishReport, digests: PlatformDigests) {
        let session = try await PublishSession(plan: plan, registries: registries)
        let built = try await buildStep.buildPlatforms(plan, session: session)
        var results: [PublishedImage] = []
        var entries: [PlatformDigests.Entry] = []
        for image in plan.images {
            let platforms = try PlatformBuildStep.ordered(built, for: image)
            let reference = try image.reference()
            for platform in platforms {
                entries.append(
                    PlatformDigests.Entry(
                        type: image.type, repository: image.repository, platform: platform.platform, digest: platform.digest,
                        mediaType: platform.mediaType, size: platform.size, parentDigest: platform.parentDigest))
            }
            let first = platforms[0]
            let result = PublishedImage(
                type: image.type, reference: Self.pinned(reference, first.digest), digest: first.digest, tags: [],
                reused: platforms.allSatisfy(\.reused), blobsUploaded: platforms.reduce(0) { $0 + $1.blobsUploaded },
                bytesUploaded: platforms.reduce(0) { $0 + $1.bytesUploaded }, blobsMounted: platforms.reduce(0) { $0 + $1.blobsMounted },
                blobsSkipped: platforms.reduce(0) { $0 + $1.blobsSkipped },
                signature: .skipped(reason: "pushed by digest only; the merge step signs the index"), indexDigest: nil, platforms: platforms)
            results.append(result)
            published(result)
        }
        let digests = PlatformDigests(
            version: plan.version.version.description, revision: plan.version.revision, platforms: plan.platforms, images: entries)
        return (PublishReport(version: plan.version.version.description, images: results, counters: await session.counters()), digests)
    }

    /// The index-and-tags half of a fan-out: for each image, the platform manifests named in
    /// `digests` (checked to exist in the registry) become one index, tagged as `publish` would.
    package func merge(
        _ plan: ReleasePlan, digests: [(file: String, digests: PlatformDigests)],
        published: @Sendable (PublishedImage) -> Void = { _ in }
    ) async throws -> PublishReport {
        for (file, content) in digests {
            guard content.version == plan.version.version.description, content.revision == plan.version.revision else {
                throw PublishError.digestsForOtherRelease(
                    path: file, version: content.version, revision: content.revision,
                    expectedVersion: plan.version.version.description, expectedRevision: plan.version.revision)
            }
        }
        let session = try await PublishSession(plan: plan, registries: registries)
        var results: [PublishedImage] = []
        for image in plan.images {
            let reference = try image.reference()
            var platforms: [PublishedPlatform] = []
            for platform in image.platforms {
                let found = digests.flatMap { item in item.digests.images.map { (item.file, $0) } }
                    .filter { $0.1.type == image.type && $0.1.platform == platform }
                guard let (file, entry) = found.first else {
                    throw PublishError.platformDigestMissing(type: image.type, platform: platform.description, files: digests.map(\.file))
                }
                if let other = found.first(where: { $0.1.digest != entry.digest }) {
                    throw PublishError.conflictingDigests(
                        type: image.type, platform: platform.description, first: "\(file): \(entry.digest)", second: "\(other.0): \(other.1.digest)")
                }
                guard entry.repository == image.repository else {
                    throw PublishError.digestsFile(
                        path: file,
                        reason:
                            "image '\(image.type)' was pushed to \(entry.repository), but this plan publishes to \(image.repository); use the same --registry")
                }
                let client = try session.client(for: reference)
                guard
                    let existing = try await client.manifestDescriptor(repository: reference.repositoryName, reference: .digest(entry.digest))
                else {
                    throw PublishError.pushedImageMissing(type: "\(image.type) [\(platform)]", reference: "\(image.repository)@\(entry.digest)")
                }
                platforms.append(
                    PublishedPlatform(
                        platform: platform, digest: entry.digest, mediaType: existing.mediaType, size: existing.size,
                        parentDigest: entry.parentDigest, reused: true))
            }
            let result = try await assemble(
                image, platforms: platforms, version: plan.version,
                parentIndex: image.parent.flatMap { parent in results.first { $0.type == parent }?.digest }, session: session)
            results.append(result)
            published(result)
        }
        return PublishReport(version: plan.version.version.description, images: results, counters: await session.counters())
    }

    /// Pushes and tags the index, then runs the post-index hooks on it.
    private func assemble(
        _ image: PlannedImage, platforms: [PublishedPlatform], version: ReleaseVersion, parentIndex: Digest?, session: PublishSession
    ) async throws -> PublishedImage {
        let reference = try image.reference()
        let assembled = try await IndexAssembler(log: log).assemble(image, platforms: platforms, client: try session.client(for: reference))
        let pushed = PushedIndex(
            image: image, reference: Self.pinned(reference, assembled.digest), digest: assembled.digest, platforms: platforms,
            version: version, parentIndex: parentIndex, builder: builder.name)
        var signature: SignatureStatus?
        for hook in postIndexHooks {
            if let status = try await hook.run(after: pushed), signature == nil { signature = status }
        }
        return PublishedImage(
            type: image.type, reference: pushed.reference, digest: assembled.digest, tags: image.tags,
            reused: assembled.indexUnchanged && platforms.allSatisfy(\.reused), blobsUploaded: platforms.reduce(0) { $0 + $1.blobsUploaded },
            bytesUploaded: platforms.reduce(0) { $0 + $1.bytesUploaded }, blobsMounted: platforms.reduce(0) { $0 + $1.blobsMounted },
            blobsSkipped: platforms.reduce(0) { $0 + $1.blobsSkipped },
            signature: signature ?? .skipped(reason: "no post-index step signed it"), indexDigest: assembled.digest,
            platforms: platforms)
    }

    private static func pinned(_ reference: ImageReference, _ digest: Digest) -> ImageReference {
        ImageReference(registry: reference.registry, repository: reference.repository, tag: reference.tag, digest: digest)
    }
}
