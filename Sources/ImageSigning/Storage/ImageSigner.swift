import Foundation
import OCIDistribution

/// Signs image digests the way `cosign sign --key` does and stores the signature where
/// cosign, containers/image and this package's verifier look for it.
package struct ImageSigner: Sendable {
    package let key: SigningKey
    package let client: RegistryClient

    package init(key: SigningKey, client: RegistryClient) {
        self.key = key
        self.client = client
    }

    package struct Outcome: Sendable, Equatable, Codable {
        package let image: String
        package let digest: Digest
        package let signatureTag: String
        /// False when a signature by this key over the same payload was already there.
        package let added: Bool
        package let referrer: Digest?
    }

    /// Signs `reference` (which must carry a digest). `annotations` go into the payload's
    /// `optional` section, as `cosign sign -a` does.
    package func sign(_ reference: ImageReference, annotations: [String: String]? = nil) async throws -> Outcome {
        guard let digest = reference.digest else { throw SigningError.referenceNotPinned(reference.description) }
        let repository = reference.repositoryName
        guard let subject = try await client.manifestDescriptor(repository: repository, reference: .digest(digest)) else {
            throw SigningError.imageMissing(reference.description)
        }
        let payload = try SimpleSigningPayload(
            dockerReference: SimpleSigningPayload.dockerReference(for: reference), digest: digest, optional: annotations
        ).encoded()
        let signature = try key.sign(payload)
        let layer = SignedLayer(
            mediaType: SimpleSigningPayload.mediaType, payload: payload,
            annotations: [CosignAnnotations.signature: signature.base64EncodedString()])
        let verifier = key.verificationKey
        let tag = CosignTag.signature(for: digest)
        let outcome = try await CosignManifestStore(client: client).append(
            [layer], repository: repository, tag: tag, subject: subject, mediaTypes: [SimpleSigningPayload.mediaType],
            artifactType: CosignAnnotations.signatureArtifactType,
            isDuplicate: { new, old in
                // ECDSA signatures differ every time, so "same signature" means: the same
                // payload, already signed by this key (what cosign's duplicate detector does).
                guard old.payload == new.payload, let encoded = old.descriptor.annotations?[CosignAnnotations.signature],
                    let bytes = Data(base64Encoded: encoded)
                else { return false }
                return (try? verifier.isValidSignature(bytes, for: old.payload)) == true
            })
        return Outcome(image: reference.name, digest: digest, signatureTag: tag, added: outcome.added > 0, referrer: outcome.referrerDigest)
    }
}
