import Foundation
import OCIDistribution

/// Reads and writes the manifests cosign keeps beside an image (`sha256-<hex>.sig` and
/// `.att`): an OCI image manifest whose layers are payloads with annotations, plus a small
/// config. Writes append to what is there; `isDuplicate` decides which new layers are
/// already present. When the registry answers the OCI 1.1 referrers API the same layers
/// are also pushed as a manifest whose `subject` is the image, so referrer-aware clients
/// find them too.
package struct CosignManifestStore: Sendable {
    package let client: RegistryClient
    /// Largest payload layer read back (cosign's own limits are of this order).
    package static let payloadSizeLimit: Int64 = 4 << 20
    /// At most this many layers are read from one manifest.
    package static let layerLimit = 256
    /// Payload bytes fetched from one tag in all (256 layers of 4 MiB would be 1 GiB). Real
    /// signatures are a few hundred bytes each; attestations (SBOMs) a few MiB.
    package static let payloadTotalLimit: Int64 = 64 << 20

    package init(client: RegistryClient) { self.client = client }

    /// What a read found under a tag.
    package enum Contents: Sendable, Equatable {
        case absent
        case layers([StoredLayer])
    }

    package struct StoredLayer: Sendable, Equatable {
        package let descriptor: Descriptor
        package let payload: Data
    }

    /// What a visitor wants after one payload.
    package enum Visit: Sendable, Equatable {
        case next
        case stop
    }

    /// The layers under `tag`, all kept (the signer needs them to append); throws
    /// `CosignStorageError.garbage` when the tag holds something that is not a cosign manifest
    /// or its payloads pass `totalLimit`. Verifiers use ``visit(repository:tag:mediaTypes:totalLimit:_:)``.
    package func read(
        repository: RepositoryName, tag: String, mediaTypes: Set<String>, totalLimit: Int64 = payloadTotalLimit
    ) async throws -> Contents {
        var layers: [StoredLayer] = []
        let found = try await visit(repository: repository, tag: tag, mediaTypes: mediaTypes, totalLimit: totalLimit) {
            layers.append($0)
            return .next
        }
        return found ? .layers(layers) : .absent
    }

    /// Fetches the payload layers under `tag` one at a time, in manifest order, and hands each
    /// to `visitor`, which checks it and lets it go before the next is fetched: at most one
    /// payload is held, and `.stop` ends the walk (a valid signature needs no more). Returns
    /// false when the tag is absent. Throws `CosignStorageError.garbage` for a tag that is not
    /// a cosign manifest, and once the payloads fetched would pass `totalLimit` bytes.
    @discardableResult
    package func visit(
        repository: RepositoryName, tag: String, mediaTypes: Set<String>, totalLimit: Int64 = payloadTotalLimit,
        _ visitor: (StoredLayer) async throws -> Visit
    ) async throws -> Bool {
        let fetched: FetchedManifest
        do { fetched = try await client.manifest(repository: repository, reference: .tag(tag)) } catch let error as RegistryError
            where error.isNotFound
        {
            return false
        } catch let error as RegistryError {
            if case .unsupportedMediaType = error { throw CosignStorageError.garbage(repository: repository.value, tag: tag, reason: error.description) }
            throw error
        }
        let manifest: ImageManifest
        do { manifest = try fetched.imageManifest() } catch {
            throw CosignStorageError.garbage(repository: repository.value, tag: tag, reason: "not an image manifest (\(fetched.mediaType))")
        }
        let relevant = manifest.layers.filter { mediaTypes.contains($0.mediaType) }
        guard !relevant.isEmpty else {
            throw CosignStorageError.garbage(
                repository: repository.value, tag: tag,
                reason:
                    "no layer of media type \(mediaTypes.sorted().joined(separator: " or ")) (found: \(Set(manifest.layers.map(\.mediaType)).sorted().joined(separator: ", ")))"
            )
        }
        var total: Int64 = 0
        for (index, descriptor) in relevant.prefix(Self.layerLimit).enumerated() {
            guard descriptor.size >= 0, descriptor.size <= Self.payloadSizeLimit else {
                throw CosignStorageError.garbage(
                    repository: repository.value, tag: tag,
                    reason: "payload layer \(descriptor.digest) is \(descriptor.size) bytes (limit \(Self.payloadSizeLimit))")
            }
            // Checked before the fetch, against the declared size (a blob of another size fails its digest).
            guard total + descriptor.size <= totalLimit else {
                throw CosignStorageError.garbage(
                    repository: repository.value, tag: tag,
                    reason:
                        "its payload layers pass \(totalLimit) bytes in all at layer \(index + 1) of \(relevant.count), "
                        + "and none before it was valid")
            }
            total += descriptor.size
            let payload: Data
            do { payload = try await client.blob(repository: repository, digest: descriptor.digest) } catch let error as RegistryError {
                throw CosignStorageError.garbage(repository: repository.value, tag: tag, reason: "payload layer \(descriptor.digest): \(error.description)")
            }
            guard Digest.sha256(of: payload) == descriptor.digest else {
                throw CosignStorageError.garbage(
                    repository: repository.value, tag: tag, reason: "payload layer content does not match its digest \(descriptor.digest)")
            }
            if try await visitor(StoredLayer(descriptor: descriptor, payload: payload)) == .stop { break }
        }
        return true
    }

    /// Result of a write.
    package struct WriteOutcome: Sendable, Equatable {
        /// Layers added (0 when every new layer was a duplicate: nothing was pushed).
        package let added: Int
        package let manifestDigest: Digest?
        package let referrerDigest: Digest?
    }

    /// Appends `newLayers` to the manifest under `tag` (creating it), skipping those for
    /// which `isDuplicate(new, existing)` holds for an existing layer, and removing existing
    /// layers for which `replaces(new, existing)` holds.
    package func append(
        _ newLayers: [SignedLayer], repository: RepositoryName, tag: String, subject: Descriptor, mediaTypes: Set<String>,
        artifactType: String,
        isDuplicate: @Sendable (SignedLayer, StoredLayer) -> Bool,
        replaces: @Sendable (SignedLayer, StoredLayer) -> Bool = { _, _ in false }
    ) async throws -> WriteOutcome {
        var existing: [StoredLayer] = []
        var foreign: [Descriptor] = []
        do {
            if case let .layers(layers) = try await read(repository: repository, tag: tag, mediaTypes: mediaTypes) { existing = layers }
            // Layers of other media types in the same manifest are kept as they were.
            if !existing.isEmpty, let manifest = try? await client.manifest(repository: repository, reference: .tag(tag)).imageManifest() {
                foreign = manifest.layers.filter { !mediaTypes.contains($0.mediaType) }
            }
        } catch CosignStorageError.garbage {
            // A damaged signature tag is replaced rather than preserved: appending to garbage
            // would leave a manifest no verifier can read.
            existing = []
        }
        let fresh = newLayers.filter { new in !existing.contains { isDuplicate(new, $0) } }
        guard !fresh.isEmpty else { return WriteOutcome(added: 0, manifestDigest: nil, referrerDigest: nil) }
        let kept = existing.filter { old in !fresh.contains { replaces($0, old) } }

        for layer in fresh { try await client.pushBlob(repository: repository, data: layer.payload) }
        let layers = foreign + kept.map(\.descriptor) + fresh.map(\.descriptor)
        let config = try RegistryJSON.encode(CosignConfig(diffIDs: layers.map(\.digest.description)))
        try await client.pushBlob(repository: repository, data: config)
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.sha256(of: config), size: Int64(config.count))
        let manifest = ImageManifest(
            schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers: layers)
        let digest = try await client.putManifest(manifest, repository: repository, reference: .tag(tag))

        var referrer: Digest?
        if try await client.supportsReferrersAPI(repository: repository, digest: subject.digest) {
            let copy = ImageManifest(
                schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType: artifactType, config: configDescriptor, layers: layers,
                subject: Descriptor(mediaType: subject.mediaType, digest: subject.digest, size: subject.size))
            let bytes = try RegistryJSON.encode(copy)
            referrer = try await client.putManifest(
                bytes, mediaType: MediaType.ociManifest, repository: repository, reference: .digest(Digest.sha256(of: bytes)))
        }
        return WriteOutcome(added: fresh.count, manifestDigest: digest, referrerDigest: referrer)
    }
}

/// The config blob of a signature manifest (go-containerregistry writes the same shape).
struct CosignConfig: Encodable {
    struct RootFS: Encodable {
        let type = "layers"
        let diffIDs: [String]
        enum CodingKeys: String, CodingKey { case type, diffIDs = "diff_ids" }
    }
    let architecture = ""
    let os = ""
    let config: [String: String] = [:]
    let rootfs: RootFS

    init(diffIDs: [String]) { rootfs = RootFS(diffIDs: diffIDs) }
}

package enum CosignStorageError: Error, Equatable, Sendable {
    case garbage(repository: String, tag: String, reason: String)
}
