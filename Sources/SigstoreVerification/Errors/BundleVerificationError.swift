import Foundation
import SystemSupport

/// Why a Sigstore bundle was refused. Each case is one check of the verification (see
/// `check` for its short name); the text says what was expected and what was found.
package enum BundleVerificationError: Error, Equatable, Sendable, DescribedError {
    /// The bundle or trusted root is not valid JSON of the expected shape.
    case bundleFormat(String)
    /// The bundle's media type is not one of v0.1, v0.2, v0.3.
    case unsupportedMediaType(String)
    /// The trusted root cannot be used (unreadable, wrong shape, missing bounds).
    case trustedRoot(String)
    /// The signing certificate does not chain to a Fulcio CA of the trusted root at the log's time.
    case certificateChain(String)
    /// The signing certificate was not valid at the time the log (or a timestamp) attests.
    case certificateValidity(String)
    /// No embedded SCT verifies with a CT log key of the trusted root.
    case certificateTransparency(String)
    /// The transparency log entry names a log the trusted root does not hold, or is malformed.
    case transparencyLog(String)
    /// The Merkle inclusion proof does not lead to its root hash.
    case inclusionProof(String)
    /// The signed checkpoint does not verify or does not match the proof.
    case checkpoint(String)
    /// The signed entry timestamp (inclusion promise) does not verify.
    case inclusionPromise(String)
    /// The log entry's body does not describe this signature, certificate/key and artifact.
    case logEntryMismatch(String)
    /// No verified time (integrated time with promise, or trusted timestamp) is available.
    case time(String)
    /// An RFC 3161 timestamp in the bundle cannot be verified.
    case timestamp(String)
    /// The message signature or DSSE envelope does not verify with the signing key.
    case signature(String)
    /// The artifact's digest is not the one the bundle signs (message digest or in-toto subject).
    case artifactMismatch(String)
    /// The certificate's identity (SAN, OIDC issuer, GitHub workflow extensions) is not the one required.
    case identity(String)
    /// The bundle is keyed and the given key is not it, or no key was given.
    case key(String)

    /// A short machine-readable name of the failed check (for `--json`).
    package var check: String {
        switch self {
        case .bundleFormat: return "bundle-format"
        case .unsupportedMediaType: return "bundle-media-type"
        case .trustedRoot: return "trusted-root"
        case .certificateChain: return "certificate-chain"
        case .certificateValidity: return "certificate-validity"
        case .certificateTransparency: return "sct"
        case .transparencyLog: return "tlog-entry"
        case .inclusionProof: return "inclusion-proof"
        case .checkpoint: return "checkpoint"
        case .inclusionPromise: return "inclusion-promise"
        case .logEntryMismatch: return "tlog-entry-body"
        case .time: return "verified-time"
        case .timestamp: return "rfc3161-timestamp"
        case .signature: return "signature"
        case .artifactMismatch: return "artifact-digest"
        case .identity: return "identity"
        case .key: return "key"
        }
    }

    package var reason: String {
        switch self {
        case let .bundleFormat(r), let .unsupportedMediaType(r), let .trustedRoot(r), let .certificateChain(r),
            let .certificateValidity(r), let .certificateTransparency(r), let .transparencyLog(r), let .inclusionProof(r),
            let .checkpoint(r), let .inclusionPromise(r), let .logEntryMismatch(r), let .time(r), let .timestamp(r),
            let .signature(r), let .artifactMismatch(r), let .identity(r), let .key(r):
            return r
        }
    }

    package var description: String {
        switch self {
        case let .unsupportedMediaType(type):
            return
                "bundle media type '\(type)' is not supported (expected application/vnd.dev.sigstore.bundle+json;version=0.1, 0.2 or 0.3, or application/vnd.dev.sigstore.bundle.v0.3+json)"
        case let .trustedRoot(reason):
            return "trusted root: \(reason); pass a trusted_root.json from the Sigstore instance that signed (--trusted-root)"
        case let .identity(reason):
            return "identity check failed: \(reason); check --certificate-identity and --certificate-oidc-issuer against who signed"
        default:
            return "\(check) check failed: \(reason)"
        }
    }
}
