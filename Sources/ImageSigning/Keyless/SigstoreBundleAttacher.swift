import Foundation
import OCIDistribution

/// Attaches a Sigstore bundle to an image the way `actions/attest` with `push-to-registry:
/// true` does (sigstore-js `@sigstore/oci`): an OCI manifest whose `artifactType` and one layer
/// are the bundle's media type, config the OCI empty descriptor, `subject` the image; on a
/// registry without the referrers API the manifest is also listed in the `sha256-<hex>`
/// tag-schema index. Used by tests and tools that publish bundles.
package struct SigstoreBundleAttacher: Sendable {
    package let client: RegistryClient

    package init(client: RegistryClient) { self.client = client }

    static let emptyConfig = Data("{}".utf8)
    static let emptyMediaType = "application/vnd.oci.empty.v1+json"

    /// Pushes `bundle` (its JSON) for `subject` in `repository`; returns the referrer's digest.
    @discardableResult
    package func attach(
        bundle: Data, mediaType: String, subject: Descriptor, repository: RepositoryName, annotations: [String: String] = [:]
    ) async throws -> Digest {
        try await client.pushBlob(repository: repository, data: bundle)
        try await client.pushBlob(repository: repository, data: Self.emptyConfig)
        let layer = Descriptor(mediaType: mediaType, digest: Digest.sha256(of: bundle), size: Int64(bundle.count))
        let config = Descriptor(mediaType: Self.emptyMediaType, digest: Digest.sha256(of: Self.emptyConfig), size: Int64(Self.emptyConfig.count))
        let manifest = ImageManifest(
            mediaType: MediaType.ociManifest, artifactType: mediaType, config: config, layers: [layer],
            subject: Descriptor(mediaType: subject.mediaType, digest: subject.digest, size: subject.size),
            annotations: annotations.isEmpty ? nil : annotations)
        let bytes = try RegistryJSON.encode(manifest)
        let digest = Digest.sha256(of: bytes)
        try await client.putManifest(bytes, mediaType: MediaType.ociManifest, repository: repository, reference: .digest(digest))
        guard try await !client.supportsReferrersAPI(repository: repository, digest: subject.digest) else { return digest }

        // The referrers tag schema: read-modify-write of the index under `sha256-<hex>`.
        let tag = "\(subject.digest.algorithm)-\(subject.digest.encoded)"
        var index: ImageIndex
        do { index = try await client.manifest(repository: repository, reference: .tag(tag)).imageIndex() } catch let error as RegistryError
            where error.isNotFound
        {
            index = ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [])
        }
        guard !index.manifests.contains(where: { $0.digest == digest }) else { return digest }
        index.manifests.append(
            Descriptor(
                mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count), annotations: manifest.annotations,
                artifactType: mediaType))
        let indexBytes = try RegistryJSON.encode(index)
        try await client.putManifest(indexBytes, mediaType: MediaType.ociIndex, repository: repository, reference: .tag(tag))
        return digest
    }
}
