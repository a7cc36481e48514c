import Crypto
import Foundation
import SystemSupport

/// An ECDSA P-256 public key in PKIX (`PUBLIC KEY`) PEM, as `cosign.pub`.
package struct VerificationKey: Sendable, Equatable {
    let key: P256.Signing.PublicKey
    /// Where the key came from (a file path), for messages.
    package var origin: String

    package init(_ key: P256.Signing.PublicKey, origin: String = "public key") {
        self.key = key
        self.origin = origin
    }

    package init(pem text: String, origin: String = "public key") throws(KeyFileError) {
        guard let block = PEMBlock(parsing: text) else { throw .notPEM(path: origin, expected: "PUBLIC KEY") }
        guard block.type == "PUBLIC KEY" else { throw .unsupportedPEMType(path: origin, type: block.type) }
        do { key = try P256.Signing.PublicKey(derRepresentation: block.bytes) } catch {
            throw .unsupportedKeyType(path: origin, reason: "the public key is not ECDSA P-256")
        }
        self.origin = origin
    }

    package init(contentsOf url: URL) throws(KeyFileError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: describe(error))
        }
        try self.init(pem: text, origin: url.path)
    }

    package var pem: String { PEMBlock(type: "PUBLIC KEY", bytes: key.derRepresentation).text }

    /// sha256 of the DER key: a short, stable name for reports.
    package var fingerprint: String { "sha256:" + SHA256.hash(data: key.derRepresentation).map { String(format: "%02x", $0) }.joined() }

    /// True when `signature` (ASN.1 DER) is a valid ECDSA-SHA256 signature of `message`.
    /// Throws when the bytes are not a DER signature at all (truncated, garbage).
    package func isValidSignature(_ signature: Data, for message: Data) throws(SignatureParseError) -> Bool {
        let parsed: P256.Signing.ECDSASignature
        do { parsed = try P256.Signing.ECDSASignature(derRepresentation: signature) } catch {
            throw SignatureParseError(reason: "not an ASN.1 DER ECDSA signature (\(signature.count) bytes; truncated or damaged)")
        }
        return key.isValidSignature(parsed, for: message)
    }

    package static func == (lhs: VerificationKey, rhs: VerificationKey) -> Bool {
        lhs.key.derRepresentation == rhs.key.derRepresentation
    }
}

package struct SignatureParseError: Error, Equatable, Sendable {
    package let reason: String
}
