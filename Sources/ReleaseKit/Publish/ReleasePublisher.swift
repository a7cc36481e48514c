import Foundation
import ImageBuilders
import OCIDistribution
import OublietteCore
import SystemSupport

/// Builds and pushes a `ReleasePlan`: parents first, each child built `FROM` the parent's
/// just-pushed digest; the versioned tag is pushed first and the other tags (`latest`, …)
/// are added by re-putting the same manifest bytes.
///
/// Idempotent: when the versioned tag already holds an image with this revision, version
/// and base digest, nothing is built or uploaded (unless `force`).
public struct ReleasePublisher: Sendable {
    public var builder: any ImageBuilder
    public var signer: (any Signer)?
    /// Attaches each published platform image's SPDX SBOM as an attestation (nil: none).
    public var sbomAttestation: SBOMAttestation?
    public var force: Bool
    /// Where OCI layouts are exported to; each is removed after its push.
    public var workDirectory: URL
    public var credentials: any CredentialSource
    public var insecureRegistries: Set<String>
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

    /// Publishes every image of `plan`, calling `published` as each one is done (the CLI
    /// prints `ref@digest` there, so partial progress is visible if a later image fails).
    public func publish(
        _ plan: ReleasePlan,
        published: @Sendable (PublishedImage) -> Void = { _ in }
    ) async throws -> PublishReport {
        // One client per registry for the whole run, so counters cover every image.
        var clients: [String: RegistryClient] = [:]
        for image in plan.images {
            let registry = try image.reference().registry
            if clients[registry] == nil {
                clients[registry] = RegistryClient(
                    registry: registry, credentials: credentials,
                    security: .forRegistry(registry, insecureRegistries: insecureRegistries))
            }
        }
        var before: [String: TransferCounters] = [:]
        for (registry, client) in clients { before[registry] = await client.counters }

        var pushed: [String: Digest] = [:]
        var repositories: [String: ImageReference] = [:]
        var results: [PublishedImage] = []
        for image in plan.images {
            let reference = try image.reference()
            guard let client = clients[reference.registry] else { continue }
            let result = try await publish(
                image, reference: reference, client: client, clients: Array(clients.values),
                version: plan.version, pushed: pushed, repositories: repositories)
            pushed[image.type] = result.digest
            repositories[image.type] = reference
            results.append(result)
            if let sbomAttestation { try await sbomAttestation.attach(to: result.reference) }
            published(result)
        }

        var total = TransferCounters()
        for (registry, client) in clients {
            let now = await client.counters
            total = total + (now - (before[registry] ?? TransferCounters()))
        }
        return PublishReport(version: plan.version.version.description, images: results, counters: total)
    }

    private func publish(
        _ image: PlannedImage, reference: ImageReference, client: RegistryClient, clients: [RegistryClient],
        version: ReleaseVersion, pushed: [String: Digest],
        repositories: [String: ImageReference]
    ) async throws -> PublishedImage {
        let labels = try image.labels.map { (key: $0.key, value: try $0.value.resolved(pushed: pushed)) }
        let arguments = try image.buildArgs.map { (key: $0.key, value: try $0.value.resolved(pushed: pushed)) }

        if !force, let existing = try await existingImage(reference, client: client, labels: labels) {
            log("\(image.type): \(reference) already holds this release (same revision, version and base); nothing to build or upload (--force rebuilds)")
            let tagsMoved = try await addMissingTags(image, digest: existing, reference: reference, client: client)
            if !tagsMoved.isEmpty { log("\(image.type): tagged \(tagsMoved.joined(separator: ", ")) (manifest PUT, no blobs)") }
            return PublishedImage(
                type: image.type, reference: Self.pinned(reference, existing), digest: existing, tags: image.tags,
                reused: true, blobsUploaded: 0, bytesUploaded: 0, blobsMounted: 0, blobsSkipped: 0,
                signature: try await sign(image, reference: reference, digest: existing, labels: labels, version: version))
        }

        let layoutDirectory = workDirectory.appendingPathComponent("release-\(image.type)-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: layoutDirectory) }
        let imageName = image.repository.split(separator: "/").last.map(String.init) ?? image.type
        let request = BuildRequest(
            type: image.type, dockerfile: URL(fileURLWithPath: image.dockerfile), context: URL(fileURLWithPath: image.context),
            buildArguments: arguments, labels: labels, localName: "\(imageName):\(image.primaryTag)",
            outputDirectory: layoutDirectory, layoutTag: image.primaryTag, destination: reference)
        log("\(image.type): building with \(builder.name)" + (image.parent.map { " FROM \(pushed[$0].map(\.description) ?? "?") (\($0))" } ?? ""))
        let built = try await builder.build(request)

        var digest: Digest
        var uploaded = 0, bytes: Int64 = 0, mounted = 0, skipped = 0
        switch built {
        case let .ociLayout(directory, tag):
            // Mount the parent's layers (same registry) instead of uploading them again.
            var mountFrom: [RepositoryName] = []
            if let parent = image.parent, let parentReference = repositories[parent], parentReference.registry == reference.registry {
                mountFrom = [parentReference.repositoryName]
            }
            let copier = ImageCopier(
                credentials: credentials, insecureRegistries: insecureRegistries,
                mountFrom: mountFrom, clients: clients)
            let result = try await copier.copy(from: .ociLayout(directory: directory, tag: tag), to: .registry(reference))
            digest = result.digest
            (uploaded, bytes, mounted, skipped) = (result.blobsUploaded, result.bytesUploaded, result.blobsMounted, result.blobsSkipped)
        case let .pushedByBuilder(destination):
            guard
                let descriptor = try await client.manifestDescriptor(
                    repository: destination.repositoryName,
                    reference: destination.manifestReference)
            else {
                throw PublishError.pushedImageMissing(type: image.type, reference: destination.description)
            }
            digest = descriptor.digest
        }
        log("\(image.type): pushed \(reference) (\(uploaded) blobs uploaded, \(bytes) bytes; \(mounted) mounted; \(skipped) already present)")
        let tagsMoved = try await addMissingTags(image, digest: digest, reference: reference, client: client)
        if !tagsMoved.isEmpty { log("\(image.type): tagged \(tagsMoved.joined(separator: ", ")) (manifest PUT, no blobs)") }
        return PublishedImage(
            type: image.type, reference: Self.pinned(reference, digest), digest: digest, tags: image.tags,
            reused: false, blobsUploaded: uploaded, bytesUploaded: bytes, blobsMounted: mounted,
            blobsSkipped: skipped, signature: try await sign(image, reference: reference, digest: digest, labels: labels, version: version))
    }

    /// The digest under the versioned tag when it already is this release: same revision,
    /// version and (for children) base digest labels.
    private func existingImage(
        _ reference: ImageReference, client: RegistryClient,
        labels: [(key: String, value: String)]
    ) async throws -> Digest? {
        guard let configuration = try await client.imageConfiguration(of: reference) else { return nil }
        let identifying = ["org.opencontainers.image.revision", "org.opencontainers.image.version", "org.opencontainers.image.base.digest"]
        for (key, value) in labels where identifying.contains(key) {
            guard configuration.labels[key] == value else { return nil }
        }
        return try await client.manifestDescriptor(repository: reference.repositoryName, reference: reference.manifestReference)?.digest
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

    private func sign(
        _ image: PlannedImage, reference: ImageReference, digest: Digest, labels: [(key: String, value: String)], version: ReleaseVersion
    ) async throws -> SignatureStatus {
        guard let signer else {
            log("\(image.type): NOT signed (no signer: pass --sign --key FILE or --key-env VAR)")
            return .skipped(reason: "no signer configured (--sign not given)")
        }
        let subject = SigningSubject(
            type: image.type, reference: Self.pinned(reference, digest), tags: image.tags,
            labels: Dictionary(labels.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }), version: version, builder: builder.name)
        let status = try await signer.sign(subject)
        log("\(image.type): \(status)")
        return status
    }

    private static func pinned(_ reference: ImageReference, _ digest: Digest) -> ImageReference {
        ImageReference(registry: reference.registry, repository: reference.repository, tag: reference.tag, digest: digest)
    }
}

public enum PublishError: Error, Equatable, Sendable, DescribedError {
    case pushedImageMissing(type: String, reference: String)

    public var description: String {
        switch self {
        case let .pushedImageMissing(type, reference):
            return "image '\(type)': the builder reported pushing \(reference) but the registry does not have it; check the builder's registry configuration"
        }
    }

}
