import Foundation

/// The outcome of the signature check for one pulled image, kept in its provenance record and
/// shown by `oubliette status`.
package struct SignatureRecord: Sendable, Equatable, Codable {
    package enum Status: String, Sendable, Codable {
        /// A signature by a pinned key covers the digest and names the repository.
        case verified
        /// The check failed and the policy is `warn`, so the image was pulled anyway.
        case unverified
        /// Not checked on purpose (`OUBLIETTE_DEV=1`, `image_source: build`).
        case exempt
        /// `verify.mode` is `off` for this type.
        case off
    }

    package var status: Status
    package var mode: String
    package var digest: String?
    /// The key that verified, or the keys tried.
    package var keys: [String]
    /// Why it is unverified or exempt.
    package var detail: String?
    /// Keyless: who signed (`SAN (issuer …)`, from the verified certificate).
    package var identity: String?
    /// Keyless: where the bundle was found (`referrer sha256:…`, `tag sha256-….sig layer …`).
    package var source: String?

    package init(
        status: Status, mode: String, digest: String? = nil, keys: [String] = [], detail: String? = nil, identity: String? = nil,
        source: String? = nil
    ) {
        self.status = status
        self.mode = mode
        self.digest = digest
        self.keys = keys
        self.detail = detail
        self.identity = identity
        self.source = source
    }

    /// Who signed what runs: the identity (keyless) or the key that verified.
    package var signer: String? {
        guard status == .verified else { return nil }
        return identity ?? keys.first
    }

    /// `verified (keys/cosign.pub)`, `UNVERIFIED (warn: …)`, `exempt (OUBLIETTE_DEV=1)`, `not checked (verify off)`.
    package var summary: String {
        switch status {
        case .verified:
            if let identity { return "signature verified (keyless: \(identity)\(source.map { "; \($0)" } ?? ""))" }
            return "signature verified (\(keys.joined(separator: ", ")))"
        case .unverified: return "signature UNVERIFIED (\(detail ?? "no valid signature"))"
        case .exempt: return "signature check exempt (\(detail ?? ""))"
        case .off: return "signature not checked (verify off)"
        }
    }
}
