import Foundation
import SystemSupport

/// A Sigstore trusted root (`dev.sigstore.trustroot.v1.TrustedRoot`, trusted_root.json): the
/// Fulcio CAs, transparency logs, CT logs and timestamp authorities a verifier trusts.
public struct TrustedRoot: Decodable, Sendable {
    public struct PublicKey: Decodable, Sendable {
        public var rawBytes: ProtoBytes?
        public var keyDetails: String?
        public var validFor: TimeRange?
    }

    public struct LogID: Decodable, Sendable { public var keyId: ProtoBytes }

    /// A transparency log or CT log instance.
    public struct Log: Decodable, Sendable {
        public var baseUrl: String?
        public var hashAlgorithm: String?
        public var publicKey: PublicKey
        public var logId: LogID
    }

    public struct CertificateAuthority: Decodable, Sendable {
        public struct Chain: Decodable, Sendable { public var certificates: [SigstoreBundle.Certificate] }
        public var uri: String?
        public var certChain: Chain
        public var validFor: TimeRange?
    }

    public var mediaType: String
    public var tlogs: [Log]?
    public var certificateAuthorities: [CertificateAuthority]?
    public var ctlogs: [Log]?
    public var timestampAuthorities: [CertificateAuthority]?

    public static let supportedMediaTypes = [
        "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    ]

    public init(json data: Data, origin: String = "trusted root") throws(BundleVerificationError) {
        do { self = try JSONCoding.decode(TrustedRoot.self, from: data) } catch {
            throw .trustedRoot("\(origin) is not a trusted_root.json: \(describeDecodingError(error))")
        }
        guard Self.supportedMediaTypes.contains(mediaType) else {
            throw .trustedRoot("\(origin) has media type '\(mediaType)', expected \(Self.supportedMediaTypes.joined(separator: " or "))")
        }
    }

    public init(contentsOf url: URL) throws(BundleVerificationError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .trustedRoot("cannot read \(url.path): \(describe(error))")
        }
        try self.init(json: data, origin: url.path)
    }

    /// The Sigstore public-good instance's root, shipped with this library (see
    /// Resources/trusted_root.ORIGIN.md for where and when it was taken).
    public static func publicGood() throws(BundleVerificationError) -> TrustedRoot {
        guard let url = Bundle.module.url(forResource: "trusted_root", withExtension: "json") else {
            throw .trustedRoot("the shipped public-good trusted_root.json is missing from this build")
        }
        return try TrustedRoot(contentsOf: url)
    }
}
