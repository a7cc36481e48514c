import Crypto
import Foundation

/// An ECDSA P-256 private key as cosign stores it: PEM `ENCRYPTED SIGSTORE PRIVATE KEY`
/// (or the older `ENCRYPTED COSIGN PRIVATE KEY`), whose plaintext is PKCS#8 (or, in old
/// cosign files, SEC1) DER.
public struct SigningKey: Sendable {
    public static let pemType = "ENCRYPTED SIGSTORE PRIVATE KEY"
    public static let legacyPEMType = "ENCRYPTED COSIGN PRIVATE KEY"

    let key: P256.Signing.PrivateKey

    public init(_ key: P256.Signing.PrivateKey) { self.key = key }

    public static func generate() -> SigningKey { SigningKey(P256.Signing.PrivateKey()) }

    public var verificationKey: VerificationKey { VerificationKey(key.publicKey) }

    /// Reads a key file's text; `path` only names the file in errors.
    public init(pem text: String, password: Data, path: String = "private key") throws(KeyFileError) {
        guard let block = PEMBlock(parsing: text) else { throw .notPEM(path: path, expected: Self.pemType) }
        guard block.type == Self.pemType || block.type == Self.legacyPEMType else {
            throw .unsupportedPEMType(path: path, type: block.type)
        }
        let file: EncryptedKeyFile
        do { file = try JSONDecoder().decode(EncryptedKeyFile.self, from: block.bytes) } catch {
            throw .malformed("\(path): the PEM body is not cosign's encrypted-key JSON (\(error))")
        }
        let der = try file.open(password: password, path: path)
        do { key = try P256.Signing.PrivateKey(derRepresentation: der) } catch {
            throw .unsupportedKeyType(path: path, reason: "the decrypted key is not an ECDSA P-256 private key")
        }
    }

    /// The encrypted PEM cosign writes (PKCS#8 inside, scrypt N=32768).
    public func encryptedPEM(password: Data, parameters: EncryptedKeyFile.KDF.Parameters = EncryptedKeyFile.defaultParameters) throws(KeyFileError)
        -> String
    {
        let file = try EncryptedKeyFile.seal(key.derRepresentation, password: password, parameters: parameters)
        return PEMBlock(type: Self.pemType, bytes: Data(file.jsonText.utf8)).text
    }

    /// ASN.1 DER ECDSA-SHA256 signature over `message`, as cosign produces.
    public func sign(_ message: Data) throws(KeyFileError) -> Data {
        do { return try key.signature(for: message).derRepresentation } catch {
            throw .cryptoFailure("ECDSA signing failed: \(error)")
        }
    }
}
