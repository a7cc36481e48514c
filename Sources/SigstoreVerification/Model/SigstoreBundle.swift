import Foundation
import SystemSupport

/// A Sigstore bundle (`dev.sigstore.bundle.v1.Bundle`, media types v0.1 to v0.3) as read from
/// its protobuf JSON form. Field names follow protobuf-specs; unknown fields are ignored.
public struct SigstoreBundle: Decodable, Sendable {
    public enum Version: String, Sendable, Comparable {
        case v0_1 = "0.1"
        case v0_2 = "0.2"
        case v0_3 = "0.3"

        public static func < (lhs: Version, rhs: Version) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Certificate: Decodable, Sendable { public var rawBytes: ProtoBytes }
    public struct CertificateChain: Decodable, Sendable { public var certificates: [Certificate]? }
    public struct PublicKeyIdentifier: Decodable, Sendable { public var hint: String? }

    public struct KindVersion: Decodable, Sendable, Equatable {
        public var kind: String
        public var version: String
    }

    public struct LogID: Decodable, Sendable { public var keyId: ProtoBytes }
    public struct InclusionPromise: Decodable, Sendable { public var signedEntryTimestamp: ProtoBytes }
    public struct Checkpoint: Decodable, Sendable { public var envelope: String }

    public struct InclusionProof: Decodable, Sendable {
        public var logIndex: ProtoInt64
        public var rootHash: ProtoBytes
        public var treeSize: ProtoInt64
        public var hashes: [ProtoBytes]?
        public var checkpoint: Checkpoint?
    }

    public struct TransparencyLogEntry: Decodable, Sendable {
        public var logIndex: ProtoInt64
        public var logId: LogID
        public var kindVersion: KindVersion
        public var integratedTime: ProtoInt64?
        public var inclusionPromise: InclusionPromise?
        public var inclusionProof: InclusionProof?
        public var canonicalizedBody: ProtoBytes
    }

    public struct RFC3161Timestamp: Decodable, Sendable { public var signedTimestamp: ProtoBytes }
    public struct TimestampVerificationData: Decodable, Sendable { public var rfc3161Timestamps: [RFC3161Timestamp]? }

    public struct VerificationMaterial: Decodable, Sendable {
        public var x509CertificateChain: CertificateChain?
        public var certificate: Certificate?
        public var publicKey: PublicKeyIdentifier?
        public var tlogEntries: [TransparencyLogEntry]?
        public var timestampVerificationData: TimestampVerificationData?
    }

    public struct HashOutput: Decodable, Sendable {
        public var algorithm: String?
        public var digest: ProtoBytes
    }

    public struct MessageSignature: Decodable, Sendable {
        public var messageDigest: HashOutput?
        public var signature: ProtoBytes
    }

    public struct Envelope: Decodable, Sendable {
        public struct Signature: Decodable, Sendable {
            public var sig: ProtoBytes
            public var keyid: String?
        }
        public var payload: ProtoBytes
        public var payloadType: String
        public var signatures: [Signature]
    }

    public var mediaType: String
    public var verificationMaterial: VerificationMaterial
    public var messageSignature: MessageSignature?
    public var dsseEnvelope: Envelope?

    /// The bundle format version its media type names, nil when unknown.
    public var version: Version? {
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
    public init(json data: Data) throws(BundleVerificationError) {
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
