import Foundation
import ImageBuilders
import OCIDistribution
import SystemSupport

/// The build-and-push half of a publish: on each platform P, parents first, each image is
/// built (a child `FROM` its parent's just-pushed platform-P manifest, by digest), exported
/// as an OCI layout and pushed by digest with no tag moved. A platform manifest under the
/// versioned tag that already is this release (same revision, version and base) is not
/// built again unless `force`.
struct PlatformBuildStep: Sendable {
    let builder: any ImageBuilder
    let registries: RegistryClientFactory
    let force: Bool
    /// Where OCI layouts are exported to; each is removed after its push.
    let workDirectory: URL
    /// Build the platforms' chains at the same time (each chain stays parents-first).
    let concurrentPlatforms: Bool
    let progress: TransferProgressHandler?
    let log: @Sendable (String) -> Void

    /// Each platform's chain (parents first), the chains run concurrently when allowed.
    func buildPlatforms(_ plan: ReleasePlan, session: PublishSession) async throws -> [String: [PublishedPlatform]] {
        if plan.platforms.count > 1 {
            for image in plan.images where image.platforms.count > 1 {
                // A builder that can only push to a tag cannot produce several manifests for one tag.
                if !builder.exportsPlatformManifests {
                    throw PublishError.builderCannotExportPlatforms(builder: builder.name, type: image.type)
                }
            }
        }
        var built: [String: [PublishedPlatform]] = [:]
        if concurrentPlatforms {
            try await withThrowingTaskGroup(of: [(String, PublishedPlatform)].self) { group in
                for platform in plan.platforms {
                    group.addTask { try await self.buildChain(plan, platform: platform, session: session) }
                }
                while let chain = try await group.next() {
                    for (type, result) in chain { built[type, default: []].append(result) }
                }
            }
        } else {
            for platform in plan.platforms {
                for (type, result) in try await buildChain(plan, platform: platform, session: session) {
                    built[type, default: []].append(result)
                }
            }
        }
        return built
    }

    /// The platform results for `image` in the plan's platform order (index order is stable).
    static func ordered(_ built: [String: [PublishedPlatform]], for image: PlannedImage) throws -> [PublishedPlatform] {
        let results = built[image.type] ?? []
        return try image.platforms.map { platform in
            guard let result = results.first(where: { $0.platform == platform }) else {
                throw PublishError.pushedImageMissing(type: "\(image.type) [\(platform)]", reference: image.repository)
            }
            return result
        }
    }

    private func buildChain(_ plan: ReleasePlan, platform: Platform, session: PublishSession) async throws -> [(String, PublishedPlatform)] {
        var pushed: [String: Digest] = [:]
        var repositories: [String: ImageReference] = [:]
        var results: [(String, PublishedPlatform)] = []
        for image in plan.images(for: platform) {
            let reference = try image.reference()
            let result = try await publish(
                image, platform: platform, reference: reference, session: session, multiPlatform: plan.platforms.count > 1,
                timestamp: plan.version.created, pushed: pushed, repositories: repositories)
            pushed[image.type] = result.digest
            repositories[image.type] = reference
            results.append((image.type, result))
        }
        return results
    }

    private func publish(
        _ image: PlannedImage, platform: Platform, reference: ImageReference, session: PublishSession, multiPlatform: Bool,
        timestamp: Date, pushed: [String: Digest], repositories: [String: ImageReference]
    ) async throws -> PublishedPlatform {
        let client = try session.client(for: reference)
        let name = "\(image.type) [\(platform)]"
        let labels = try image.labels.map { (key: $0.key, value: try $0.value.resolved(pushed: pushed)) }
        let arguments = try image.buildArgs.map { (key: $0.key, value: try $0.value.resolved(pushed: pushed)) }
        let parentDigest = image.parent.flatMap { pushed[$0] }

        if !force, let existing = try await existingManifest(reference, platform: platform, client: client, labels: labels) {
            log("\(name): \(reference) already holds this release (same revision, version and base); nothing to build or upload (--force rebuilds)")
            return PublishedPlatform(
                platform: platform, digest: existing.digest, mediaType: existing.mediaType, size: existing.size, parentDigest: parentDigest,
                reused: true)
        }

        let slug = [platform.os, platform.architecture, platform.variant].compactMap { $0 }.joined(separator: "-")
        let run = UUID().uuidString.prefix(8).lowercased()
        let layoutDirectory = workDirectory.appendingPathComponent("release-\(image.type)-\(slug)-\(run)")
        defer { try? FileManager.default.removeItem(at: layoutDirectory) }
        let imageName = image.repository.split(separator: "/").last.map(String.init) ?? image.type
        // Platform and a run id in the local name and layout tag: platforms (and other
        // publishes on this machine) build at once into one store, and must not swap images.
        let localTag = "\(image.primaryTag)-\(slug)-\(run)"
        var request = BuildRequest(
            type: image.type, dockerfile: URL(fileURLWithPath: image.dockerfile), context: URL(fileURLWithPath: image.context),
            buildArguments: arguments, labels: labels, localName: "\(imageName):\(localTag)",
            outputDirectory: layoutDirectory, layoutTag: localTag, destination: reference)
        request.platform = platform
        request.timestamp = timestamp
        if image.parent != nil, let base = arguments.first(where: { $0.key == ReleasePlanner.baseImageArgument }) {
            request.pinnedBase = try ImageReference(parsing: base.value)
        }
        log("\(name): building with \(builder.name)" + (image.parent.map { " FROM \(parentDigest.map(\.description) ?? "?") (\($0))" } ?? ""))
        let builder = self.builder
        let frozen = request
        // Root images of several platforms pull the same FROM tag: one at a time (see BuildSerializer).
        let built =
            image.parent == nil && multiPlatform && !builder.buildsPlatformsIndependently
            ? try await session.rootBuilds.run { try await builder.build(frozen) } : try await builder.build(request)

        var digest: Digest
        var uploaded = 0, bytes: Int64 = 0, mounted = 0, skipped = 0
        switch built {
        case let .ociLayout(directory, tag):
            // Mount the parent's layers (same registry) instead of uploading them again.
            var mountFrom: [RepositoryName] = []
            if let parent = image.parent, let parentReference = repositories[parent], parentReference.registry == reference.registry {
                mountFrom = [parentReference.repositoryName]
            }
            var copier = ImageCopier(registries: registries, mountFrom: mountFrom, clients: session.allClients, progress: progress)
            // Builders that export an index (buildx) get their platform's manifest picked out.
            copier.platform = platform
            copier.untagged = true
            let result = try await copier.copy(from: .ociLayout(directory: directory, tag: tag), to: .registry(reference))
            digest = result.digest
            (uploaded, bytes, mounted, skipped) = (result.blobsUploaded, result.bytesUploaded, result.blobsMounted, result.blobsSkipped)
        case let .pushedByBuilder(destination):
            guard !multiPlatform,
                let descriptor = try await client.manifestDescriptor(
                    repository: destination.repositoryName,
                    reference: destination.manifestReference)
            else {
                throw PublishError.pushedImageMissing(type: image.type, reference: destination.description)
            }
            digest = descriptor.digest
        }
        guard let descriptor = try await client.manifestDescriptor(repository: reference.repositoryName, reference: .digest(digest)) else {
            throw PublishError.pushedImageMissing(type: name, reference: "\(image.repository)@\(digest)")
        }
        log("\(name): pushed \(image.repository)@\(digest) (\(uploaded) blobs uploaded, \(bytes) bytes; \(mounted) mounted; \(skipped) already present)")
        return PublishedPlatform(
            platform: platform, digest: digest, mediaType: descriptor.mediaType, size: descriptor.size, parentDigest: parentDigest,
            reused: false, blobsUploaded: uploaded, bytesUploaded: bytes, blobsMounted: mounted, blobsSkipped: skipped)
    }

    /// The `platform` manifest under the versioned tag when it already is this release: same
    /// revision, version and (for children) base digest labels, and the config's platform.
    /// The tag may hold an index (this release format) or one manifest (older releases).
    private func existingManifest(
        _ reference: ImageReference, platform: Platform, client: RegistryClient,
        labels: [(key: String, value: String)]
    ) async throws -> Descriptor? {
        let top: FetchedManifest
        do {
            top = try await client.manifest(repository: reference.repositoryName, reference: reference.manifestReference)
        } catch let error as RegistryError where error.isNotFound {
            return nil
        }
        var fetched = top
        if top.isIndex {
            guard let entry = try top.imageIndex().manifest(for: platform) else { return nil }
            fetched = try await client.manifest(repository: reference.repositoryName, reference: .digest(entry.digest))
        }
        guard MediaType.isManifest(fetched.mediaType) else { return nil }
        let manifest = try fetched.imageManifest()
        let configuration = try RegistryJSON.decode(
            ImageConfiguration.self, from: try await client.blob(repository: reference.repositoryName, digest: manifest.config.digest))
        let recorded = Platform(architecture: configuration.architecture, os: configuration.os, variant: configuration.variant)
        guard recorded.satisfies(platform) else { return nil }
        let identifying = ["org.opencontainers.image.revision", "org.opencontainers.image.version", "org.opencontainers.image.base.digest"]
        for (key, value) in labels where identifying.contains(key) {
            guard configuration.labels[key] == value else { return nil }
        }
        return fetched.descriptor
    }
}
