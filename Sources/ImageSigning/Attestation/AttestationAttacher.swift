import Foundation
import OCIDistribution
import SystemSupport

/// Attaches in-toto statements to an image digest as cosign does (`cosign attest`): a DSSE
/// envelope per statement, a layer of media type `application/vnd.dsse.envelope.v1+json`
/// with the `predicateType` annotation, in the `sha256-<hex>.att` manifest.
///
/// With a key the envelope is signed (verifiable with `cosign verify-attestation`); without
/// one it is stored unsigned (an empty `signatures` list) so that tools can still attach
/// e.g. an SBOM where no key is configured; verifiers with a key reject it.
package struct AttestationAttacher: Sendable {
    package let client: RegistryClient
    package let key: SigningKey?

    package init(client: RegistryClient, key: SigningKey?) {
        self.client = client
        self.key = key
    }

    package struct Outcome: Sendable, Equatable, Codable {
        package let image: String
        package let digest: Digest
        package let attestationTag: String
        package let predicateType: String
        package let signed: Bool
        /// False when the same statement (same signer) was already attached.
        package let added: Bool
        package let referrer: Digest?
    }

    /// Attaches `statement` to `reference` (pinned by digest). With `replacingSamePredicateType`
    /// an earlier attestation of the same predicate type by the same key (or unsigned, when
    /// there is no key) is replaced instead of kept beside the new one: republishing keeps one
    /// provenance per image.
    package func attach(_ statement: InTotoStatement, to reference: ImageReference, replacingSamePredicateType: Bool = false) async throws -> Outcome {
        guard let digest = reference.digest else { throw SigningError.referenceNotPinned(reference.description) }
        let repository = reference.repositoryName
        guard let subject = try await client.manifestDescriptor(repository: repository, reference: .digest(digest)) else {
            throw SigningError.imageMissing(reference.description)
        }
        let statementBytes = try statement.encoded()
        let envelope = try DSSEEnvelope.make(payload: statementBytes, key: key).encoded()
        let layer = SignedLayer(
            mediaType: CosignAnnotations.dsseMediaType, payload: envelope,
            annotations: [CosignAnnotations.predicateType: statement.predicateType])
        let ours = key?.verificationKey
        let tag = CosignTag.attestation(for: digest)
        let isOurs: @Sendable (CosignManifestStore.StoredLayer) -> Data? = { old in
            // The statement inside an existing envelope, when it is signed by our key (or is
            // unsigned and we have no key).
            guard let decoded = try? JSONCoding.decode(DSSEEnvelope.self, from: old.payload), let body = decoded.payloadBytes else { return nil }
            guard let ours else { return decoded.signatures.isEmpty ? body : nil }
            let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: decoded.payloadType, payload: body)
            let signedByUs = decoded.signatures.contains { signature in
                Data(base64Encoded: signature.sig).map { (try? ours.isValidSignature($0, for: pae)) == true } ?? false
            }
            return signedByUs ? body : nil
        }
        let predicateType = statement.predicateType
        let outcome = try await CosignManifestStore(client: client).append(
            [layer], repository: repository, tag: tag, subject: subject, mediaTypes: [CosignAnnotations.dsseMediaType],
            artifactType: CosignAnnotations.attestationArtifactType,
            isDuplicate: { _, old in isOurs(old) == statementBytes },
            replaces: { _, old in
                replacingSamePredicateType && old.descriptor.annotations?[CosignAnnotations.predicateType] == predicateType && isOurs(old) != nil
            })
        return Outcome(
            image: reference.name, digest: digest, attestationTag: tag, predicateType: statement.predicateType, signed: key != nil,
            added: outcome.added > 0, referrer: outcome.referrerDigest)
    }
}
