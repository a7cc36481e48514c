import Foundation
import OCIDistribution
import SystemSupport

/// Verifies the attestations cosign stores under `sha256-<hex>.att`: a DSSE signature by one
/// of `keys` over the in-toto statement, whose subject includes the digest, of the wanted
/// predicate type.
package struct AttestationVerifier: Sendable {
    package let keys: [VerificationKey]

    package init(keys: [VerificationKey]) { self.keys = keys }

    package struct Verified: Sendable, Equatable {
        package let image: String
        package let digest: Digest
        package let attestationTag: String
        package let key: String
        package let predicateType: String
        /// The verified statement's JSON.
        package let statement: Data
    }

    /// `--type` shorthands as cosign spells them; anything else must be a predicate URI.
    package static func predicateTypes(forShorthand type: String) -> Set<String> {
        switch type {
        case "slsaprovenance": return [SLSAProvenance.predicateType, "https://slsa.dev/provenance/v0.2"]
        case "slsaprovenance1": return [SLSAProvenance.predicateType]
        case "slsaprovenance02": return ["https://slsa.dev/provenance/v0.2"]
        case "spdx", "spdxjson": return ["https://spdx.dev/Document"]
        case "cyclonedx": return ["https://cyclonedx.org/bom"]
        case "vuln": return ["https://cosign.sigstore.dev/attestation/vuln/v1"]
        case "custom": return ["https://cosign.sigstore.dev/attestation/v1"]
        default: return [type]
        }
    }

    /// Every attestation of `types` (all types when nil) that verifies; throws the most
    /// telling failure when none does.
    package func verify(repository: RepositoryName, digest: Digest, client: RegistryClient, types: Set<String>?) async throws(VerificationFailure)
        -> [Verified]
    {
        let image = "\(client.registry)/\(repository)"
        guard !keys.isEmpty else { throw .noKeys(image: image) }
        let tag = CosignTag.attestation(for: digest)
        // Each envelope is checked as it arrives; only the verified statements are kept.
        var outcome = Outcome()
        let found: Bool
        do {
            found = try await CosignManifestStore(client: client).visit(repository: repository, tag: tag, mediaTypes: [CosignAnnotations.dsseMediaType]) {
                layer in
                outcome.add(layer, image: image, digest: digest, tag: tag, keys: keys, types: types)
                return .next
            }
        } catch let CosignStorageError.garbage(_, tag, reason) {
            throw .garbage(image: image, tag: tag, reason: reason)
        } catch {
            throw .unavailable(image: image, digest: digest.description, reason: describe(error))
        }
        guard found else { throw .noSignature(image: image, digest: digest.description, tag: tag) }
        return try outcome.result(image: image, digest: digest, tag: tag, types: types)
    }

    static func check(
        layers: [CosignManifestStore.StoredLayer], image: String, digest: Digest, tag: String, keys: [VerificationKey], types: Set<String>?
    ) throws(VerificationFailure) -> [Verified] {
        var outcome = Outcome()
        for layer in layers { outcome.add(layer, image: image, digest: digest, tag: tag, keys: keys, types: types) }
        return try outcome.result(image: image, digest: digest, tag: tag, types: types)
    }

    /// What the layers checked so far came to: verified statements, failures, other types.
    private struct Outcome {
        var verified: [Verified] = []
        var failures: [VerificationFailure] = []
        var otherTypes: [String] = []

        mutating func add(
            _ layer: CosignManifestStore.StoredLayer, image: String, digest: Digest, tag: String, keys: [VerificationKey], types: Set<String>?
        ) {
            do throws(VerificationFailure) {
                let result = try AttestationVerifier.checkLayer(layer, image: image, digest: digest, tag: tag, keys: keys)
                if let types, !types.contains(result.predicateType) {
                    otherTypes.append(result.predicateType)
                } else {
                    verified.append(result)
                }
            } catch { failures.append(error) }
        }

        func result(image: String, digest: Digest, tag: String, types: Set<String>?) throws(VerificationFailure) -> [Verified] {
            try AttestationVerifier.finish(verified: verified, failures: failures, otherTypes: otherTypes, image: image, digest: digest, tag: tag, types: types)
        }
    }

    private static func finish(
        verified: [Verified], failures: [VerificationFailure], otherTypes: [String], image: String, digest: Digest, tag: String, types: Set<String>?
    ) throws(VerificationFailure) -> [Verified] {
        if !verified.isEmpty { return verified }
        if let types, !otherTypes.isEmpty || failures.isEmpty {
            throw .predicateTypeMissing(image: image, digest: digest.description, wanted: types.sorted().joined(separator: " or "), found: otherTypes)
        }
        throw failures.max { $0.specificity < $1.specificity } ?? .noSignature(image: image, digest: digest.description, tag: tag)
    }

    fileprivate static func checkLayer(
        _ layer: CosignManifestStore.StoredLayer, image: String, digest: Digest, tag: String, keys: [VerificationKey]
    ) throws(VerificationFailure) -> Verified {
        guard let envelope = try? JSONCoding.decode(DSSEEnvelope.self, from: layer.payload), let body = envelope.payloadBytes else {
            throw .malformedPayload(image: image, digest: digest.description, reason: "layer \(layer.descriptor.digest) is not a DSSE envelope")
        }
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            throw .malformedPayload(image: image, digest: digest.description, reason: "DSSE payloadType is '\(envelope.payloadType)'")
        }
        guard !envelope.signatures.isEmpty else {
            throw .malformedSignature(image: image, digest: digest.description, reason: "the attestation envelope is unsigned")
        }
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: body)
        var trusted: VerificationKey?
        search: for signature in envelope.signatures {
            guard let bytes = Data(base64Encoded: signature.sig) else {
                throw .malformedSignature(image: image, digest: digest.description, reason: "a DSSE signature is not base64")
            }
            for key in keys {
                do {
                    if try key.isValidSignature(bytes, for: pae) {
                        trusted = key
                        break search
                    }
                } catch { throw .malformedSignature(image: image, digest: digest.description, reason: error.reason) }
            }
        }
        guard let trusted else { throw .wrongKey(image: image, digest: digest.description, keys: keys.map(\.origin)) }
        let statement: InTotoStatement
        do { statement = try InTotoStatement.decode(body) } catch {
            throw .malformedPayload(image: image, digest: digest.description, reason: error.reason)
        }
        guard statement.subject.contains(where: { $0.digest["sha256"] == digest.encoded && digest.algorithm == "sha256" }) else {
            let signed = statement.subject.compactMap { $0.digest["sha256"].map { "sha256:\($0)" } }.joined(separator: ", ")
            throw .digestMismatch(image: image, expected: digest.description, signed: signed.isEmpty ? "no sha256 subject" : signed)
        }
        return Verified(image: image, digest: digest, attestationTag: tag, key: trusted.origin, predicateType: statement.predicateType, statement: body)
    }
}
