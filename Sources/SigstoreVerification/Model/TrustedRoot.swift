import Foundation
import SystemSupport

/// A Sigstore trusted root (`dev.sigstore.trustroot.v1.TrustedRoot`, trusted_root.json): the
/// Fulcio CAs, transparency logs, CT logs and timestamp authorities a verifier trusts.
package struct TrustedRoot: Decodable, Sendable {
    package struct PublicKey: Decodable, Sendable {
        package var rawBytes: ProtoBytes?
        package var keyDetails: String?
        package var validFor: TimeRange?
    }

    package struct LogID: Decodable, Sendable { package var keyId: ProtoBytes }

    /// A transparency log or CT log instance.
    package struct Log: Decodable, Sendable {
        package var baseUrl: String?
        package var hashAlgorithm: String?
        package var publicKey: PublicKey
        package var logId: LogID
    }

    package struct CertificateAuthority: Decodable, Sendable {
        package struct Chain: Decodable, Sendable { package var certificates: [SigstoreBundle.Certificate] }
        package var uri: String?
        package var certChain: Chain
        package var validFor: TimeRange?
    }

    package var mediaType: String
    package var tlogs: [Log]?
    package var certificateAuthorities: [CertificateAuthority]?
    package var ctlogs: [Log]?
    package var timestampAuthorities: [CertificateAuthority]?

    package static let supportedMediaTypes = [
        "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    ]

    package init(json data: Data, origin: String = "trusted root") throws(BundleVerificationError) {
        do { self = try JSONCoding.decode(TrustedRoot.self, from: data) } catch {
            throw .trustedRoot("\(origin) is not a trusted_root.json: \(describeDecodingError(error))")
        }
        guard Self.supportedMediaTypes.contains(mediaType) else {
            throw .trustedRoot("\(origin) has media type '\(mediaType)', expected \(Self.supportedMediaTypes.joined(separator: " or "))")
        }
    }

    package init(contentsOf url: URL) throws(BundleVerificationError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .trustedRoot("cannot read \(url.path): \(describe(error))")
        }
        try self.init(json: data, origin: url.path)
    }

    /// The Sigstore public-good instance's root, shipped with this library (see
    /// Resources/trusted_root.ORIGIN.md for where and when it was taken).
    package static func publicGood() throws(BundleVerificationError) -> TrustedRoot {
        guard let url = Bundle.module.url(forResource: "trusted_root", withExtension: "json") else {
            throw .trustedRoot("the shipped public-good trusted_root.json is missing from this build")
        }
        return try TrustedRoot(contentsOf: url)
    }
}
