import Foundation
import SystemSupport

/// Which check failed when verifying an image's signature or attestation. Every case
/// names the image and digest; `description` says what to do.
package enum VerificationFailure: Error, Equatable, Sendable, DescribedError {
    /// Nothing under `sha256-<hex>.sig` (or `.att`).
    case noSignature(image: String, digest: String, tag: String)
    /// The tag holds something that is not a cosign signature/attestation manifest.
    case garbage(image: String, tag: String, reason: String)
    /// A valid signature by a trusted key, but over another digest (a moved signature).
    case digestMismatch(image: String, expected: String, signed: String)
    /// A valid signature by a trusted key for this digest, but naming another repository.
    case dockerReferenceMismatch(image: String, expected: String, signed: String)
    /// The signature bytes are not a signature (truncated, not base64, not DER).
    case malformedSignature(image: String, digest: String, reason: String)
    /// Well-formed signatures, none of which verifies with the keys tried.
    case wrongKey(image: String, digest: String, keys: [String])
    /// The signed payload is not a simple-signing payload / in-toto statement.
    case malformedPayload(image: String, digest: String, reason: String)
    /// Attestations exist and verify, but none of the requested predicate type.
    case predicateTypeMissing(image: String, digest: String, wanted: String, found: [String])
    /// The registry could not be asked.
    case unavailable(image: String, digest: String, reason: String)
    /// No keys were configured to verify with.
    case noKeys(image: String)
    /// Keyless: no Sigstore bundle beside the image (referrers, `.sig`/`.att` keyless layers).
    case noBundle(image: String, digest: String, searched: [String])
    /// Keyless: bundles exist, none verifies for an expected identity; `check` is the failed check.
    case keylessRefused(image: String, digest: String, expected: [String], found: [String], check: String)
    /// Keyless: no identity was configured to verify with.
    case noIdentities(image: String)

    /// A short machine-readable name of the failed check (for JSON and provenance).
    package var check: String {
        switch self {
        case .noSignature: return "signature-present"
        case .garbage: return "signature-manifest"
        case .digestMismatch: return "digest"
        case .dockerReferenceMismatch: return "docker-reference"
        case .malformedSignature: return "signature-encoding"
        case .wrongKey: return "key"
        case .malformedPayload: return "payload"
        case .predicateTypeMissing: return "predicate-type"
        case .unavailable: return "registry"
        case .noKeys: return "keys-configured"
        case .noBundle: return "bundle-present"
        case let .keylessRefused(_, _, _, _, check): return check
        case .noIdentities: return "identities-configured"
        }
    }

    /// Order used to report the most telling failure when several signatures all fail.
    var specificity: Int {
        switch self {
        case .digestMismatch, .dockerReferenceMismatch, .predicateTypeMissing, .keylessRefused: return 4
        case .wrongKey: return 3
        case .malformedPayload: return 2
        case .malformedSignature: return 1
        default: return 0
        }
    }

    package var description: String {
        switch self {
        case let .noSignature(image, digest, tag):
            if tag.hasSuffix(".att") {
                return
                    "\(image)@\(digest): no attestation found (tag \(tag) does not exist); attach one with `release-tool publish --sign` or `cosign attest --key`"
            }
            return "\(image)@\(digest): no signature found (tag \(tag) does not exist); sign it with `release-tool sign` or `cosign sign --key`"
        case let .garbage(image, tag, reason):
            return "\(image):\(tag) is not a cosign signature manifest: \(reason); re-sign the image to replace it"
        case let .digestMismatch(image, expected, signed):
            return "\(image)@\(expected): the signature covers another digest (\(signed)): a signature moved from another image is not valid for this one"
        case let .dockerReferenceMismatch(image, expected, signed):
            return "\(image)@\(expected): the signature names repository '\(signed)', not '\(image)'; it was made for another repository"
        case let .malformedSignature(image, digest, reason):
            return "\(image)@\(digest): bad signature: \(reason)"
        case let .wrongKey(image, digest, keys):
            return "\(image)@\(digest): no signature verifies with the trusted key(s) \(keys.joined(separator: ", ")); it was signed with another key"
        case let .malformedPayload(image, digest, reason):
            return "\(image)@\(digest): the signed payload is unusable: \(reason)"
        case let .predicateTypeMissing(image, digest, wanted, found):
            return "\(image)@\(digest): no verified attestation of type \(wanted) (found: \(found.isEmpty ? "none" : found.joined(separator: ", ")))"
        case let .unavailable(image, digest, reason):
            return "\(image)@\(digest): cannot fetch signatures from the registry: \(reason)"
        case let .noKeys(image):
            return "\(image): no public keys configured to verify with; add \"keys\" to the verify policy or pass --key"
        case let .noBundle(image, digest, searched):
            return
                "\(image)@\(digest): no keyless signature or attestation found (\(searched.joined(separator: "; "))); publish with actions/attest push-to-registry: true, or cosign sign/attest keylessly"
        case let .keylessRefused(image, digest, expected, found, _):
            return
                "\(image)@\(digest): no Sigstore bundle verifies for the expected identity [\(expected.joined(separator: " | "))]; found: \(found.joined(separator: "; "))"
        case let .noIdentities(image):
            return "\(image): no signer identities configured to verify with; pass --certificate-identity and --certificate-oidc-issuer"
        }
    }
}
