import Foundation
import ImageSigning
import SystemSupport

/// cosign's private key files: PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (or the older
/// `ENCRYPTED COSIGN PRIVATE KEY`), whose plaintext is PKCS#8 (or, in old cosign files, SEC1)
/// DER.
extension SigningKey {
    package static let pemType = "ENCRYPTED SIGSTORE PRIVATE KEY"
    package static let legacyPEMType = "ENCRYPTED COSIGN PRIVATE KEY"

    /// Reads a key file's text; `path` only names the file in errors.
    package init(pem text: String, password: Data, path: String = "private key") throws(KeyFileError) {
        guard let block = PEMBlock(parsing: text) else { throw .notPEM(path: path, expected: Self.pemType) }
        guard block.type == Self.pemType || block.type == Self.legacyPEMType else {
            throw .unsupportedPEMType(path: path, type: block.type)
        }
        let file: EncryptedKeyFile
        do { file = try JSONCoding.decode(EncryptedKeyFile.self, from: block.bytes) } catch {
            throw .malformed("\(path): the PEM body is not cosign's encrypted-key JSON (\(error))")
        }
        try self.init(der: try file.open(password: password, path: path), path: path)
    }

    /// The encrypted PEM cosign writes (PKCS#8 inside, scrypt N=32768).
    package func encryptedPEM(password: Data, parameters: EncryptedKeyFile.KDF.Parameters = EncryptedKeyFile.defaultParameters) throws(KeyFileError)
        -> String
    {
        let file = try EncryptedKeyFile.seal(pkcs8DER, password: password, parameters: parameters)
        return PEMBlock(type: Self.pemType, bytes: Data(file.jsonText.utf8)).text
    }
}
