import Foundation
import SystemSupport

/// A Sigstore bundle (`dev.sigstore.bundle.v1.Bundle`, media types v0.1 to v0.3) as read from
/// its protobuf JSON form. Field names follow protobuf-specs; unknown fields are ignored.
package struct SigstoreBundle: Decodable, Sendable {
    package enum Version: String, Sendable, Comparable {
        case v0_1 = "0.1"
        case v0_2 = "0.2"
        case v0_3 = "0.3"

        package static func < (lhs: Version, rhs: Version) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    package struct Certificate: Decodable, Sendable { package var rawBytes: ProtoBytes }
    package struct CertificateChain: Decodable, Sendable { package var certificates: [Certificate]? }
    package struct PublicKeyIdentifier: Decodable, Sendable { package var hint: String? }

    package struct KindVersion: Decodable, Sendable, Equatable {
        package var kind: String
        package var version: String
    }

    package struct LogID: Decodable, Sendable { package var keyId: ProtoBytes }
    package struct InclusionPromise: Decodable, Sendable { package var signedEntryTimestamp: ProtoBytes }
    package struct Checkpoint: Decodable, Sendable { package var envelope: String }

    package struct InclusionProof: Decodable, Sendable {
        package var logIndex: ProtoInt64
        package var rootHash: ProtoBytes
        package var treeSize: ProtoInt64
        package var hashes: [ProtoBytes]?
        package var checkpoint: Checkpoint?
    }

    package struct TransparencyLogEntry: Decodable, Sendable {
        package var logIndex: ProtoInt64
        package var logId: LogID
        package var kindVersion: KindVersion
        package var integratedTime: ProtoInt64?
        package var inclusionPromise: InclusionPromise?
        package var inclusionProof: InclusionProof?
        package var canonicalizedBody: ProtoBytes
    }

    package struct RFC3161Timestamp: Decodable, Sendable { package var signedTimestamp: ProtoBytes }
    package struct TimestampVerificationData: Decodable, Sendable { package var rfc3161Timestamps: [RFC3161Timestamp]? }

    package struct VerificationMaterial: Decodable, Sendable {
        package var x509CertificateChain: CertificateChain?
        package var certificate: Certificate?
        package var publicKey: PublicKeyIdentifier?
        package var tlogEntries: [TransparencyLogEntry]?
        package var timestampVerificationData: TimestampVerificationData?
    }

    package struct HashOutput: Decodable, Sendable {
        package var algorithm: String?
        package var digest: ProtoBytes
    }

    package struct MessageSignature: Decodable, Sendable {
        package var messageDigest: HashOutput?
        package var signature: ProtoBytes
    }

    package struct Envelope: Decodable, Sendable {
        package struct Signature: Decodable, Sendable {
            package var sig: ProtoBytes
            package var keyid: String?
        }
        package var payload: ProtoBytes
        package var payloadType: String
        package var signatures: [Signature]
    }

    package var mediaType: String
    package var verificationMaterial: VerificationMaterial
    package var messageSignature: MessageSignature?
    package var dsseEnvelope: Envelope?

    /// The bundle format version its media type names, nil when unknown.
    package var version: Version? {
        switch mediaType {
        case "application/vnd.dev.sigstore.bundle+json;version=0.1": return .v0_1
        case "application/vnd.dev.sigstore.bundle+json;version=0.2": return .v0_2
        case "application/vnd.dev.sigstore.bundle+json;version=0.3", "application/vnd.dev.sigstore.bundle.v0.3+json": return .v0_3
        default: return nil
        }
    }

    /// A bundle assembled from parts (cosign's layer annotations, see ``CosignLegacySignature``).
    init(mediaType: String, verificationMaterial: VerificationMaterial, messageSignature: MessageSignature?, dsseEnvelope: Envelope?) {
        self.mediaType = mediaType
        self.verificationMaterial = verificationMaterial
        self.messageSignature = messageSignature
        self.dsseEnvelope = dsseEnvelope
    }

    /// Parses bundle JSON, naming the field that is wrong.
    package init(json data: Data) throws(BundleVerificationError) {
        do { self = try JSONCoding.decode(SigstoreBundle.self, from: data) } catch {
            throw .bundleFormat("not a Sigstore bundle: \(describeDecodingError(error))")
        }
    }
}

func describeDecodingError(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
    switch error as? DecodingError {
    case let .keyNotFound(key, context)?:
        let at = path(context.codingPath)
        return "missing field '\(key.stringValue)'\(at.isEmpty ? "" : " in \(at)")"
    case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
        return "\(path(context.codingPath)): \(context.debugDescription)"
    case let .dataCorrupted(context)?:
        let at = path(context.codingPath)
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return (at.isEmpty ? "" : "\(at): ") + (underlying ?? context.debugDescription)
    default:
        return describe(error)
    }
}
