import Crypto
import Foundation
import SwiftASN1
import X509

/// A public key that checks Sigstore signatures: ECDSA over P-256/P-384/P-521 with the curve's
/// hash, or Ed25519. Parsed from a certificate or a PKIX `SubjectPublicKeyInfo`.
package enum SigningPublicKey: Sendable {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case p521(P521.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)

    package init?(_ key: Certificate.PublicKey) {
        if let key = P256.Signing.PublicKey(key) {
            self = .p256(key)
        } else if let key = P384.Signing.PublicKey(key) {
            self = .p384(key)
        } else if let key = P521.Signing.PublicKey(key) {
            self = .p521(key)
        } else if let key = Curve25519.Signing.PublicKey(key) {
            self = .ed25519(key)
        } else {
            return nil
        }
    }

    /// From DER `SubjectPublicKeyInfo` bytes.
    package init?(spki: [UInt8]) {
        guard let key = try? Certificate.PublicKey(derEncoded: spki) else { return nil }
        self.init(key)
    }

    /// From a `-----BEGIN PUBLIC KEY-----` PEM document.
    package init?(pem: String) {
        guard let key = try? Certificate.PublicKey(pemEncoded: pem) else { return nil }
        self.init(key)
    }

    package var name: String {
        switch self {
        case .p256: return "ECDSA P-256"
        case .p384: return "ECDSA P-384"
        case .p521: return "ECDSA P-521"
        case .ed25519: return "Ed25519"
        }
    }

    /// DER SubjectPublicKeyInfo.
    package var spki: [UInt8] {
        switch self {
        case let .p256(key): return [UInt8](key.derRepresentation)
        case let .p384(key): return [UInt8](key.derRepresentation)
        case let .p521(key): return [UInt8](key.derRepresentation)
        case let .ed25519(key): return Self.spkiDER(Certificate.PublicKey(key))
        }
    }

    /// The whole DER SubjectPublicKeyInfo (swift-certificates' `subjectPublicKeyInfoBytes` is
    /// only the BIT STRING's content).
    static func spkiDER(_ key: Certificate.PublicKey) -> [UInt8] {
        var serializer = DER.Serializer()
        // Serializing a parsed key cannot fail (it is re-encoding what was decoded).
        try? serializer.serialize(key)
        return serializer.serializedBytes
    }

    /// True when `signature` (ECDSA: ASN.1 DER; Ed25519: 64 raw bytes) signs `message`.
    package func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch self {
        case let .p256(key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case let .p384(key):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case let .p521(key):
            guard let parsed = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case let .ed25519(key):
            return key.isValidSignature(signature, for: message)
        }
    }

    /// The hash this key's signatures are made over (ECDSA's curve-matched hash; Ed25519 signs
    /// the message itself and returns nil).
    package var prehashAlgorithm: HashAlgorithm? {
        switch self {
        case .p256: return .sha256
        case .p384: return .sha384
        case .p521: return .sha512
        case .ed25519: return nil
        }
    }

    /// True when `signature` signs a message whose digest is `digest` (any SHA-2 size: ECDSA
    /// allows a hash other than the curve's, as timestamp authorities use). Ed25519 cannot
    /// verify a digest and returns false.
    package func isValidSignature(_ signature: [UInt8], forDigest digest: [UInt8]) -> Bool {
        switch self {
        case let .p256(key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return Self.withDigest(digest) { key.isValidSignature(parsed, for: $0) }
        case let .p384(key):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return Self.withDigest(digest) { key.isValidSignature(parsed, for: $0) }
        case let .p521(key):
            guard let parsed = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return Self.withDigest(digest) { key.isValidSignature(parsed, for: $0) }
        case .ed25519:
            return false
        }
    }

    private static func withDigest(_ digest: [UInt8], _ body: (any Digest) -> Bool) -> Bool {
        switch digest.count {
        case 32: return body(PrecomputedDigest<Size32>(digest))
        case 48: return body(PrecomputedDigest<Size48>(digest))
        case 64: return body(PrecomputedDigest<Size64>(digest))
        default: return false
        }
    }
}

package enum HashAlgorithm: String, Sendable {
    case sha256, sha384, sha512

    package func hash(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: return Array(SHA256.hash(data: bytes))
        case .sha384: return Array(SHA384.hash(data: bytes))
        case .sha512: return Array(SHA512.hash(data: bytes))
        }
    }

    /// protobuf-specs `HashAlgorithm` enum names.
    package var protoName: String {
        switch self {
        case .sha256: return "SHA2_256"
        case .sha384: return "SHA2_384"
        case .sha512: return "SHA2_512"
        }
    }
}

protocol DigestSize: Sendable { static var count: Int { get } }
enum Size32: DigestSize { static let count = 32 }
enum Size48: DigestSize { static let count = 48 }
enum Size64: DigestSize { static let count = 64 }

/// A digest computed elsewhere (the conformance protocol passes `sha256:<hex>` instead of the
/// file), in the shape swift-crypto's prehashed ECDSA verification takes.
struct PrecomputedDigest<Size: DigestSize>: Digest {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static var byteCount: Int { Size.count }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }

    var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}
