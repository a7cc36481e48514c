import Foundation

/// The outcome of the signature check for one pulled image, kept in its provenance record and
/// shown by `oubliette status`.
public struct SignatureRecord: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// A signature by a pinned key covers the digest and names the repository.
        case verified
        /// The check failed and the policy is `warn`, so the image was pulled anyway.
        case unverified
        /// Not checked on purpose (`OUBLIETTE_DEV=1`, `image_source: build`).
        case exempt
        /// `verify.mode` is `off` for this type.
        case off
    }

    public var status: Status
    public var mode: String
    public var digest: String?
    /// The key that verified, or the keys tried.
    public var keys: [String]
    /// Why it is unverified or exempt.
    public var detail: String?

    public init(status: Status, mode: String, digest: String? = nil, keys: [String] = [], detail: String? = nil) {
        self.status = status
        self.mode = mode
        self.digest = digest
        self.keys = keys
        self.detail = detail
    }

    /// `verified (keys/cosign.pub)`, `UNVERIFIED (warn: …)`, `exempt (OUBLIETTE_DEV=1)`, `not checked (verify off)`.
    public var summary: String {
        switch status {
        case .verified: return "signature verified (\(keys.joined(separator: ", ")))"
        case .unverified: return "signature UNVERIFIED (\(detail ?? "no valid signature"))"
        case .exempt: return "signature check exempt (\(detail ?? ""))"
        case .off: return "signature not checked (verify off)"
        }
    }
}
