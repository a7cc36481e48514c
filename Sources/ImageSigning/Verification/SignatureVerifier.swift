import Foundation
import OCIDistribution
import SystemSupport

/// Verifies cosign key-based signatures of an image digest: fetches the `sha256-<hex>.sig`
/// manifest (no image pull), and accepts when some layer's signature verifies with one of
/// `keys` AND its payload names this digest AND this repository.
package struct SignatureVerifier: Sendable {
    package let keys: [VerificationKey]
    /// Payload bytes fetched from one signature tag in all (``CosignManifestStore/payloadTotalLimit``).
    package let totalLimit: Int64

    package init(keys: [VerificationKey], totalLimit: Int64 = CosignManifestStore.payloadTotalLimit) {
        self.keys = keys
        self.totalLimit = totalLimit
    }

    /// What was checked, for `--json` and provenance.
    package struct Verified: Sendable, Equatable, Codable {
        package let image: String
        package let digest: Digest
        package let signatureTag: String
        package let key: String
        package let keyFingerprint: String
        package let dockerReference: String
        package let signaturesExamined: Int
        package let checks: [String]
    }

    /// Checks the signatures of `image`@`digest` in the registry `client` talks to.
    package func verify(repository: RepositoryName, digest: Digest, client: RegistryClient) async throws(VerificationFailure) -> Verified {
        let image = "\(client.registry)/\(repository)"
        guard !keys.isEmpty else { throw .noKeys(image: image) }
        let tag = CosignTag.signature(for: digest)
        // Each payload is checked as it arrives and dropped; the first valid one ends the walk.
        var verified: Verified?
        var failures: [VerificationFailure] = []
        let found: Bool
        do {
            found = try await CosignManifestStore(client: client).visit(
                repository: repository, tag: tag, mediaTypes: [SimpleSigningPayload.mediaType], totalLimit: totalLimit
            ) { layer in
                do throws(VerificationFailure) {
                    verified = try Self.checkLayer(layer, image: image, digest: digest, tag: tag, keys: keys, examined: failures.count + 1)
                    return .stop
                } catch {
                    failures.append(error)
                    return .next
                }
            }
        } catch let CosignStorageError.garbage(_, tag, reason) {
            throw .garbage(image: image, tag: tag, reason: reason)
        } catch {
            throw .unavailable(image: image, digest: digest.description, reason: describe(error))
        }
        guard found else { throw .noSignature(image: image, digest: digest.description, tag: tag) }
        if let verified { return verified }
        throw failures.max { $0.specificity < $1.specificity } ?? .noSignature(image: image, digest: digest.description, tag: tag)
    }

    /// The pure part: which of `layers` (if any) is a valid signature of `image`@`digest`.
    static func check(
        layers: [CosignManifestStore.StoredLayer], image: String, digest: Digest, tag: String, keys: [VerificationKey]
    ) throws(VerificationFailure) -> Verified {
        var failures: [VerificationFailure] = []
        for layer in layers {
            do {
                return try checkLayer(layer, image: image, digest: digest, tag: tag, keys: keys, examined: layers.count)
            } catch { failures.append(error) }
        }
        throw failures.max { $0.specificity < $1.specificity } ?? .noSignature(image: image, digest: digest.description, tag: tag)
    }

    private static func checkLayer(
        _ layer: CosignManifestStore.StoredLayer, image: String, digest: Digest, tag: String, keys: [VerificationKey], examined: Int
    ) throws(VerificationFailure) -> Verified {
        guard let encoded = layer.descriptor.annotations?[CosignAnnotations.signature], !encoded.isEmpty else {
            throw .malformedSignature(
                image: image, digest: digest.description, reason: "layer \(layer.descriptor.digest) has no \(CosignAnnotations.signature) annotation")
        }
        guard let signature = Data(base64Encoded: encoded) else {
            throw .malformedSignature(image: image, digest: digest.description, reason: "the signature annotation is not base64")
        }
        var trusted: VerificationKey?
        for key in keys {
            do {
                if try key.isValidSignature(signature, for: layer.payload) {
                    trusted = key
                    break
                }
            } catch {
                throw .malformedSignature(image: image, digest: digest.description, reason: error.reason)
            }
        }
        guard let trusted else { throw .wrongKey(image: image, digest: digest.description, keys: keys.map(\.origin)) }
        // Only now is the payload trusted enough to read its claims.
        let payload = try checkClaims(payload: layer.payload, image: image, digest: digest)
        return Verified(
            image: image, digest: digest, signatureTag: tag, key: trusted.origin, keyFingerprint: trusted.fingerprint,
            dockerReference: payload.critical.identity.dockerReference, signaturesExamined: examined,
            checks: [
                "signature tag \(tag) holds a cosign signature manifest",
                "ECDSA P-256 signature verifies with \(trusted.origin)",
                "payload type is '\(SimpleSigningPayload.signatureType)'",
                "docker-manifest-digest equals \(digest)",
                "docker-reference '\(payload.critical.identity.dockerReference)' names \(image)",
            ])
    }

    /// The claims of a simple-signing payload whose signature verified: cosign's type, this
    /// digest and this repository (`image` is `registry/repository`).
    @discardableResult
    package static func checkClaims(payload data: Data, image: String, digest: Digest) throws(VerificationFailure) -> SimpleSigningPayload {
        let payload: SimpleSigningPayload
        do { payload = try SimpleSigningPayload.decode(data) } catch let error as SimpleSigningPayload.UnexpectedMember {
            throw .malformedPayload(image: image, digest: digest.description, reason: error.description)
        } catch {
            throw .malformedPayload(image: image, digest: digest.description, reason: "not a simple-signing payload (\(error))")
        }
        guard payload.critical.type == SimpleSigningPayload.signatureType else {
            throw .malformedPayload(image: image, digest: digest.description, reason: "critical.type is '\(payload.critical.type)'")
        }
        guard payload.critical.image.dockerManifestDigest == digest.description else {
            throw .digestMismatch(image: image, expected: digest.description, signed: payload.critical.image.dockerManifestDigest)
        }
        guard SimpleSigningPayload.sameRepository(payload.critical.identity.dockerReference, image) else {
            throw .dockerReferenceMismatch(image: image, expected: digest.description, signed: payload.critical.identity.dockerReference)
        }
        return payload
    }
}
