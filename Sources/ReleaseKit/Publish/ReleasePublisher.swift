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
/// Fan-out for CI: ``publishPlatforms(_:published:)`` does the build-and-push half for the
/// plan's platforms (no tags) and returns ``PlatformDigests``; ``merge(_:digests:published:)``
/// does the index-and-tags half from those files. Together they write the same index bytes
/// as ``publish(_:published:)``.
public struct ReleasePublisher: Sendable {
    public var builder: any ImageBuilder
    public var signer: (any Signer)?
    public var force: Bool
    /// Where OCI layouts are exported to; each is removed after its push.
    public var workDirectory: URL
    public var credentials: any CredentialSource
    public var insecureRegistries: Set<String>
    /// Build the platforms' chains at the same time (each chain stays parents-first).
    public var concurrentPlatforms = true
    /// Attaches each published platform image's SPDX SBOM as an attestation (nil: none).
    public var sbomAttestation: SBOMAttestation?
    /// Progress lines (stderr in the CLI).
    public var log: @Sendable (String) -> Void

    public init(
        builder: any ImageBuilder, signer: (any Signer)? = nil, force: Bool = false,
        workDirectory: URL = FileManager.default.temporaryDirectory,
        credentials: any CredentialSource = OublietteCredentials.standard(), insecureRegistries: Set<String> = [],
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.builder = builder
        self.signer = signer
        self.force = force
        self.workDirectory = workDirectory
        self.credentials = credentials
        self.insecureRegistries = insecureRegistries
        self.log = log
    }

    /// Publishes every image of `plan` on all its platforms, calling `published` as each
    /// image's index is tagged (the CLI prints `ref@digest` there, so partial progress is
    /// visible if a later image fails).
    public func publish(
        _ plan: ReleasePlan,
        published: @Sendable (PublishedImage) -> Void = { _ in }
    ) async throws -> PublishReport {
        let session = try await Session(plan: plan, publisher: self)
        let built = try await buildPlatforms(plan, session: session)
        var results: [PublishedImage] = []
        for image in plan.images {
            let result = try await assemble(
                image, platforms: try ordered(built, for: image), version: plan.version,
                parentIndex: image.parent.flatMap { parent in results.first { $0.type == parent }?.digest }, session: session)
            results.append(result)
            published(result)
        }
        return PublishReport(version: plan.version.version.description, images: results, counters: await session.counters())
    }

    /// The build-and-push half of a fan-out: every image on the plan's platforms, pushed by
    /// digest with no tag moved. `published` is called per image once its platforms are pushed.
    public func publishPlatforms(
        _ plan: ReleasePlan,
        published: @Sendable (PublishedImage) -> Void = { _ in }
    ) async throws -> (report: PublishReport, digests: PlatformDigests) {
        let session = try await Session(plan: plan, publisher: self)
        let built = try await buildPlatforms(plan, session: session)
        var results: [PublishedImage] = []
        var entries: [PlatformDigests.Entry] = []
        for image in plan.images {
            let platforms = try ordered(built, for: image)
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
    public func merge(
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
        let session = try await Session(plan: plan, publisher: self)
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

    // MARK: Per-platform builds

    /// Each platform's chain (parents first), the chains run concurrently when allowed.
    private func buildPlatforms(_ plan: ReleasePlan, session: Session) async throws -> [String: [PublishedPlatform]] {
        if plan.platforms.count > 1 {
            for image in plan.images where image.platforms.count > 1 {
                // A builder that can only push to a tag cannot produce several manifests for one tag.
                if builder is DockerBuilder, (builder as? DockerBuilder)?.mode == .legacy {
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
    private func ordered(_ built: [String: [PublishedPlatform]], for image: PlannedImage) throws -> [PublishedPlatform] {
        let results = built[image.type] ?? []
        return try image.platforms.map { platform in
            guard let result = results.first(where: { $0.platform == platform }) else {
                throw PublishError.pushedImageMissing(type: "\(image.type) [\(platform)]", reference: image.repository)
            }
            return result
        }
    }

    private func buildChain(_ plan: ReleasePlan, platform: Platform, session: Session) async throws -> [(String, PublishedPlatform)] {
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
        _ image: PlannedImage, platform: Platform, reference: ImageReference, session: Session, multiPlatform: Bool,
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
            var copier = ImageCopier(
                credentials: credentials, insecureRegistries: insecureRegistries,
                mountFrom: mountFrom, clients: session.allClients)
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

    // MARK: Index and tags

    /// Annotations the index carries, as docker/metadata-action puts them on an index: the
    /// plan's `org.opencontainers.image.*` labels that are the same on every platform (the
    /// base digest differs per platform and stays on each manifest's config).
    static func indexAnnotations(_ image: PlannedImage) -> [String: String] {
        var annotations: [String: String] = [:]
        for setting in image.labels where setting.key.hasPrefix("org.opencontainers.image.") && !setting.key.hasPrefix("org.opencontainers.image.base.") {
            if case let .literal(value) = setting.value { annotations[setting.key] = value }
        }
        return annotations
    }

    /// The index for `image` over `platforms`, encoded deterministically.
    public static func index(for image: PlannedImage, platforms: [PublishedPlatform]) throws -> (index: ImageIndex, bytes: Data) {
        let index = ImageIndex(manifests: platforms.map(\.indexDescriptor), annotations: indexAnnotations(image))
        return (index, try RegistryJSON.encode(index))
    }

    /// Pushes the index under the versioned tag unless it already is there, adds the other
    /// tags, and signs the index digest.
    private func assemble(
        _ image: PlannedImage, platforms: [PublishedPlatform], version: ReleaseVersion, parentIndex: Digest?, session: Session
    ) async throws
        -> PublishedImage
    {
        let reference = try image.reference()
        let client = try session.client(for: reference)
        let (_, bytes) = try Self.index(for: image, platforms: platforms)
        let digest = Digest.sha256(of: bytes)
        let current = try await client.manifestDescriptor(repository: reference.repositoryName, reference: reference.manifestReference)
        let indexUnchanged = current?.digest == digest
        if indexUnchanged {
            log("\(image.type): \(reference) already points at index \(digest); not pushed again")
        } else {
            try await client.putManifest(bytes, mediaType: MediaType.ociIndex, repository: reference.repositoryName, reference: reference.manifestReference)
            log("\(image.type): pushed index \(reference)@\(digest) (\(platforms.map(\.platform.description).joined(separator: ", ")))")
        }
        let tagsMoved = try await addMissingTags(image, digest: digest, reference: reference, client: client)
        if !tagsMoved.isEmpty { log("\(image.type): tagged \(tagsMoved.joined(separator: ", ")) (manifest PUT, no blobs)") }
        let signature = try await sign(image, reference: reference, digest: digest, version: version, platforms: platforms, parentIndex: parentIndex)
        if let sbomAttestation { _ = try await sbomAttestation.attach(to: Self.pinned(reference, digest)) }
        return PublishedImage(
            type: image.type, reference: Self.pinned(reference, digest), digest: digest, tags: image.tags,
            reused: indexUnchanged && platforms.allSatisfy(\.reused), blobsUploaded: platforms.reduce(0) { $0 + $1.blobsUploaded },
            bytesUploaded: platforms.reduce(0) { $0 + $1.bytesUploaded }, blobsMounted: platforms.reduce(0) { $0 + $1.blobsMounted },
            blobsSkipped: platforms.reduce(0) { $0 + $1.blobsSkipped },
            signature: signature, indexDigest: digest,
            platforms: platforms)
    }

    /// Points every tag after the first at `digest`, skipping tags already there.
    private func addMissingTags(
        _ image: PlannedImage, digest: Digest, reference: ImageReference,
        client: RegistryClient
    ) async throws -> [String] {
        var missing: [String] = []
        for tag in image.tags.dropFirst() {
            let current = try await client.manifestDescriptor(repository: reference.repositoryName, reference: .tag(tag))
            if current?.digest != digest { missing.append(tag) }
        }
        if !missing.isEmpty { try await client.addTags(missing, to: reference.withDigest(digest)) }
        return missing
    }

    /// Signs the index (the signer also signs each platform manifest and attaches provenance).
    /// `parentIndex` is the parent's index this image's index was built from (its platform
    /// manifests each name their own parent manifest).
    private func sign(
        _ image: PlannedImage, reference: ImageReference, digest: Digest, version: ReleaseVersion, platforms: [PublishedPlatform],
        parentIndex: Digest?
    ) async throws -> SignatureStatus {
        guard let signer else {
            log("\(image.type): NOT signed (no signer: pass --sign --key FILE or --key-env VAR)")
            return .skipped(reason: "no signer configured (--sign not given)")
        }
        var parents: [String: Digest] = [:]
        for platform in platforms { if let parent = platform.parentDigest { parents[platform.platform.description] = parent } }
        var labels = Self.literalLabels(image)
        if let parentIndex { labels["org.opencontainers.image.base.digest"] = parentIndex.description }
        let subject = SigningSubject(
            type: image.type, reference: Self.pinned(reference, digest), tags: image.tags, labels: labels, version: version,
            builder: builder.name, parentDigests: parents)
        let status = try await signer.sign(subject)
        log("\(image.type): \(status)")
        return status
    }

    /// The labels that are the same on every platform (the base digest differs per platform
    /// and travels in ``SigningSubject/parentDigests``).
    static func literalLabels(_ image: PlannedImage) -> [String: String] {
        var labels: [String: String] = [:]
        for setting in image.labels { if case let .literal(value) = setting.value { labels[setting.key] = value } }
        return labels
    }

    private static func pinned(_ reference: ImageReference, _ digest: Digest) -> ImageReference {
        ImageReference(registry: reference.registry, repository: reference.repository, tag: reference.tag, digest: digest)
    }
}

extension ReleasePublisher {
    /// One registry client per registry for the whole run, so counters cover every image.
    struct Session: Sendable {
        let clients: [String: RegistryClient]
        let before: [String: TransferCounters]
        let rootBuilds = BuildSerializer()

        init(plan: ReleasePlan, publisher: ReleasePublisher) async throws {
            var clients: [String: RegistryClient] = [:]
            for image in plan.images {
                let registry = try image.reference().registry
                if clients[registry] == nil {
                    clients[registry] = RegistryClient(
                        registry: registry, credentials: publisher.credentials,
                        security: .forRegistry(registry, insecureRegistries: publisher.insecureRegistries))
                }
            }
            var before: [String: TransferCounters] = [:]
            for (registry, client) in clients { before[registry] = await client.counters }
            self.clients = clients
            self.before = before
        }

        var allClients: [RegistryClient] { Array(clients.values) }

        func client(for reference: ImageReference) throws(PublishError) -> RegistryClient {
            guard let client = clients[reference.registry] else { throw .pushedImageMissing(type: reference.repository, reference: reference.description) }
            return client
        }

        /// What the clients moved since the session began, summed over registries.
        func counters() async -> TransferCounters {
            var total = TransferCounters()
            for (registry, client) in clients {
                let now = await client.counters
                total = total + (now - (before[registry] ?? TransferCounters()))
            }
            return total
        }
    }
}

public enum PublishError: Error, Equatable, Sendable, DescribedError {
    case pushedImageMissing(type: String, reference: String)
    case builderCannotExportPlatforms(builder: String, type: String)
    case digestsFile(path: String, reason: String)
    case digestsForOtherRelease(path: String, version: String, revision: String, expectedVersion: String, expectedRevision: String)
    case platformDigestMissing(type: String, platform: String, files: [String])
    case conflictingDigests(type: String, platform: String, first: String, second: String)

    public var description: String {
        switch self {
        case let .pushedImageMissing(type, reference):
            return
                "image '\(type)': \(reference) should be in the registry but is not; check the builder's registry configuration (or, for --merge, that the --push-by-digest jobs pushed to the same registry)"
        case let .builderCannotExportPlatforms(builder, type):
            return
                "image '\(type)' is published for several platforms, but \(builder) can only push one image per tag; use buildah, podman or docker buildx, or narrow \"platforms\" (or pass --platform)"
        case let .digestsFile(path, reason):
            return "digests file \(path): \(reason)"
        case let .digestsForOtherRelease(path, version, revision, expectedVersion, expectedRevision):
            return
                "digests file \(path) is for release \(version) at \(revision), but this checkout releases \(expectedVersion) at \(expectedRevision); merge digests from jobs that built this same commit"
        case let .platformDigestMissing(type, platform, files):
            return
                "no digest for image '\(type)' on \(platform) in \(files.joined(separator: ", ")); run `publish --platform \(platform) --push-by-digest --digests-out FILE` for it and pass that FILE to --merge too"
        case let .conflictingDigests(type, platform, first, second):
            return "image '\(type)' on \(platform) has two different digests (\(first); \(second)); pass one digests file per platform"
        }
    }

}
