import Foundation
import ImageSigning

/// The body of cosign's encrypted private key PEM (go-securesystemslib's `encrypted`
/// format): JSON naming the KDF (scrypt, N/r/p, salt) and the cipher (nacl/secretbox, nonce)
/// around the ciphertext of the key's PKCS#8 DER. Binary fields are standard base64.
package struct EncryptedKeyFile: Sendable, Equatable, Codable {
    package struct KDF: Sendable, Equatable, Codable {
        package struct Parameters: Sendable, Equatable, Codable {
            package var N: UInt64
            package var r: UInt32
            package var p: UInt32
        }
        package var name: String
        package var params: Parameters
        package var salt: String
    }
    package struct Cipher: Sendable, Equatable, Codable {
        package var name: String
        package var nonce: String
    }
    package var kdf: KDF
    package var cipher: Cipher
    package var ciphertext: String

    /// cosign's defaults (N=32768, r=8, p=1; 32-byte salt; 32-byte key).
    package static let defaultParameters = KDF.Parameters(N: 32768, r: 8, p: 1)
    static let saltBytes = 32
    /// Refuse work factors that would take minutes or gigabytes: a hostile key file must not
    /// be able to hang the verifier's caller.
    static let maximumN: UInt64 = 1 << 20

    /// Encrypts `plaintext` with a key derived from `password`.
    package static func seal(_ plaintext: Data, password: Data, parameters: KDF.Parameters = defaultParameters) throws(KeyFileError) -> EncryptedKeyFile {
        let salt = try Sodium.randomBytes(saltBytes)
        let nonce = try Sodium.randomBytes(Sodium.secretboxNonceBytes)
        let key = try Sodium.scrypt(
            password: password, salt: salt, n: parameters.N, r: parameters.r, p: parameters.p, length: Sodium.secretboxKeyBytes)
        let box = try Sodium.seal(plaintext, nonce: nonce, key: key)
        return EncryptedKeyFile(
            kdf: KDF(name: "scrypt", params: parameters, salt: salt.base64EncodedString()),
            cipher: Cipher(name: "nacl/secretbox", nonce: nonce.base64EncodedString()),
            ciphertext: box.base64EncodedString())
    }

    /// The plaintext, or `.wrongPassword` when the secretbox does not open.
    package func open(password: Data, path: String) throws(KeyFileError) -> Data {
        guard kdf.name == "scrypt" else { throw .malformed("\(path): KDF '\(kdf.name)' is not supported (expected scrypt)") }
        guard cipher.name == "nacl/secretbox" else { throw .malformed("\(path): cipher '\(cipher.name)' is not supported (expected nacl/secretbox)") }
        let n = kdf.params.N
        guard n > 1, n & (n - 1) == 0, n <= Self.maximumN, kdf.params.r > 0, kdf.params.r <= 32, kdf.params.p > 0, kdf.params.p <= 16 else {
            throw .malformed("\(path): scrypt parameters N=\(n) r=\(kdf.params.r) p=\(kdf.params.p) are out of range")
        }
        guard let salt = Data(base64Encoded: kdf.salt), let nonce = Data(base64Encoded: cipher.nonce),
            let box = Data(base64Encoded: ciphertext)
        else { throw .malformed("\(path): salt, nonce or ciphertext is not base64") }
        guard nonce.count == Sodium.secretboxNonceBytes else { throw .malformed("\(path): the nonce is \(nonce.count) bytes, expected 24") }
        let key = try Sodium.scrypt(password: password, salt: salt, n: n, r: kdf.params.r, p: kdf.params.p, length: Sodium.secretboxKeyBytes)
        guard let plaintext = try Sodium.open(box, nonce: nonce, key: key) else { throw .wrongPassword(path: path) }
        return plaintext
    }

    /// The JSON in Go's field order (what cosign writes), so files look like cosign's.
    package var jsonText: String {
        "{\"kdf\":{\"name\":\"\(kdf.name)\",\"params\":{\"N\":\(kdf.params.N),\"r\":\(kdf.params.r),\"p\":\(kdf.params.p)},\"salt\":\"\(kdf.salt)\"},"
            + "\"cipher\":{\"name\":\"\(cipher.name)\",\"nonce\":\"\(cipher.nonce)\"},\"ciphertext\":\"\(ciphertext)\"}"
    }
}
