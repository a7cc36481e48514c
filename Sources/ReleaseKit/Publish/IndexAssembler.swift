import Foundation
import OCIDistribution

/// The index half of a publish: one OCI index per image over its platform manifests,
/// carrying the `org.opencontainers.image.*` annotations, pushed under the versioned tag
/// unless it already is there; then the other tags point at it.
package struct IndexAssembler: Sendable {
    let log: @Sendable (String) -> Void

    init(log: @escaping @Sendable (String) -> Void) {
        self.log = log
    }

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
    package static func index(for image: PlannedImage, platforms: [PublishedPlatform]) throws -> (index: ImageIndex, bytes: Data) {
        let index = ImageIndex(manifests: platforms.map(\.indexDescriptor), annotations: indexAnnotations(image))
        return (index, try RegistryJSON.encode(index))
    }

    /// What ``assemble(_:platforms:client:)`` did.
    struct Outcome: Sendable {
        let digest: Digest
        let indexUnchanged: Bool
    }

    /// Pushes the index under the versioned tag unless it already is there, and adds the other tags.
    func assemble(_ image: PlannedImage, platforms: [PublishedPlatform], client: RegistryClient) async throws -> Outcome {
        let reference = try image.reference()
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
        return Outcome(digest: digest, indexUnchanged: indexUnchanged)
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
}
