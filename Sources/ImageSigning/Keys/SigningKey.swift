import Crypto
import Foundation

/// An ECDSA P-256 private key. Reading and writing cosign's encrypted key files (which
/// needs libsodium) lives in the CosignKeyFiles target, so that verifiers such as the
/// oubliette server do not link libsodium.
package struct SigningKey: Sendable {
    let key: P256.Signing.PrivateKey

    package init(_ key: P256.Signing.PrivateKey) { self.key = key }

    package static func generate() -> SigningKey { SigningKey(P256.Signing.PrivateKey()) }

    package var verificationKey: VerificationKey { VerificationKey(key.publicKey) }

    /// From PKCS#8 or SEC1 DER (what cosign's encrypted key files hold); `path` names the file in errors.
    package init(der: Data, path: String = "private key") throws(KeyFileError) {
        do { key = try P256.Signing.PrivateKey(derRepresentation: der) } catch {
            throw .unsupportedKeyType(path: path, reason: "the decrypted key is not an ECDSA P-256 private key")
        }
    }

    /// PKCS#8 DER, what cosign encrypts into its key files.
    package var pkcs8DER: Data { key.derRepresentation }

    /// ASN.1 DER ECDSA-SHA256 signature over `message`, as cosign produces.
    package func sign(_ message: Data) throws(KeyFileError) -> Data {
        do { return try key.signature(for: message).derRepresentation } catch {
            throw .cryptoFailure("ECDSA signing failed: \(error)")
        }
    }
}
