import Foundation
import ImageInventory
import ImageSigning
import OCIDistribution
import SystemSupport

/// `sbom --attached`: the SPDX SBOM attached to an image (as `publish` attaches it), read
/// back from the image's `sha256-<hex>.att` attestation manifest.
package enum AttachedSBOM {
    package struct Found: Sendable {
        /// The SPDX document (the statement's predicate), as attached.
        package let document: Data
        /// The platform manifest it describes.
        package let digest: Digest
        /// Whether the envelope carries a signature (checked by `verify-attestation`, not here).
        package let signed: Bool
    }

    package enum Failure: Error, Sendable, Equatable, DescribedError {
        case noAttestation(image: String, digest: String)
        case noSBOM(image: String, digest: String, found: [String])

        package var description: String {
            switch self {
            case let .noAttestation(image, digest):
                return "\(image)@\(digest) has no attestations (publish attaches the SBOM; or run `release-tool sbom` on the image itself)"
            case let .noSBOM(image, digest, found):
                return "\(image)@\(digest) has attestations (\(found.joined(separator: ", "))) but no SPDX SBOM among them"
            }
        }
    }

    /// The newest SPDX SBOM attached to `reference` (for an index: to the platform image
    /// `platform` selects, as `sbom` selects it).
    package static func fetch(_ reference: ImageReference, platform: String?, client: RegistryClient) async throws -> Found {
        let repository = reference.repositoryName
        let top = try await client.manifest(repository: repository, reference: reference.manifestReference)
        var digest = top.digest
        if top.isIndex {
            digest = try ImageLayoutReader.select(try top.imageIndex().manifests, platform: platform, name: reference.description).digest
        }
        let contents = try await CosignManifestStore(client: client).read(
            repository: repository, tag: CosignTag.attestation(for: digest), mediaTypes: [CosignAnnotations.dsseMediaType])
        guard case let .layers(layers) = contents else { throw Failure.noAttestation(image: reference.name, digest: digest.description) }
        var found: Found?
        var types: [String] = []
        for layer in layers {
            let type = layer.descriptor.annotations?[CosignAnnotations.predicateType] ?? "unknown"
            types.append(type)
            guard type == SBOMAttestation.predicateType,
                let envelope = try? JSONCoding.decode(DSSEEnvelope.self, from: layer.payload), let body = envelope.payloadBytes,
                let statement = try? InTotoStatement.decode(body),
                statement.subject.contains(where: { $0.digest[digest.algorithm] == digest.encoded })
            else { continue }
            found = Found(document: statement.predicate, digest: digest, signed: !envelope.signatures.isEmpty)
        }
        guard let found else { throw Failure.noSBOM(image: reference.name, digest: digest.description, found: types) }
        return found
    }
}
