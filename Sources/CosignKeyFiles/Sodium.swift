import CSodium
import Foundation
import ImageSigning

/// The two libsodium primitives cosign's key files need (scrypt, nacl secretbox), with the
/// C calls in one place. libsodium is thread-safe once `sodium_init` has run; calling it
/// again is a cheap no-op, so every entry point does.
enum Sodium {
    static let secretboxKeyBytes = Int(crypto_secretbox_KEYBYTES)
    static let secretboxNonceBytes = Int(crypto_secretbox_NONCEBYTES)
    static let secretboxMACBytes = Int(crypto_secretbox_MACBYTES)

    private static func initialise() throws(KeyFileError) {
        guard sodium_init() >= 0 else { throw .cryptoFailure("libsodium failed to initialise") }
    }

    static func randomBytes(_ count: Int) throws(KeyFileError) -> Data {
        try initialise()
        var bytes = [UInt8](repeating: 0, count: count)
        randombytes_buf(&bytes, count)
        return Data(bytes)
    }

    /// scrypt(password, salt, N, r, p) → `length` bytes.
    static func scrypt(password: Data, salt: Data, n: UInt64, r: UInt32, p: UInt32, length: Int) throws(KeyFileError) -> Data {
        try initialise()
        // Arrays bridge to non-null C pointers even when empty (an empty password is valid).
        let passwordBytes = [UInt8](password), saltBytes = [UInt8](salt)
        var output = [UInt8](repeating: 0, count: length)
        let status = crypto_pwhash_scryptsalsa208sha256_ll(
            passwordBytes, passwordBytes.count, saltBytes, saltBytes.count, n, r, p, &output, length)
        guard status == 0 else { throw .cryptoFailure("scrypt failed (N=\(n), r=\(r), p=\(p)): out of memory or invalid parameters") }
        return Data(output)
    }

    /// nacl secretbox (XSalsa20-Poly1305): MAC followed by ciphertext, as Go's `secretbox.Seal`.
    static func seal(_ message: Data, nonce: Data, key: Data) throws(KeyFileError) -> Data {
        try initialise()
        guard nonce.count == secretboxNonceBytes, key.count == secretboxKeyBytes else {
            throw .cryptoFailure("secretbox needs a \(secretboxNonceBytes)-byte nonce and a \(secretboxKeyBytes)-byte key")
        }
        let messageBytes = [UInt8](message)
        var box = [UInt8](repeating: 0, count: messageBytes.count + secretboxMACBytes)
        let status = crypto_secretbox_easy(&box, messageBytes, UInt64(messageBytes.count), [UInt8](nonce), [UInt8](key))
        guard status == 0 else { throw .cryptoFailure("secretbox encryption failed") }
        return Data(box)
    }

    /// Opens a secretbox; nil when the MAC does not match (wrong password or damaged file).
    static func open(_ box: Data, nonce: Data, key: Data) throws(KeyFileError) -> Data? {
        try initialise()
        guard nonce.count == secretboxNonceBytes, key.count == secretboxKeyBytes else {
            throw .malformed("the nonce must be \(secretboxNonceBytes) bytes")
        }
        guard box.count >= secretboxMACBytes else { return nil }
        let boxBytes = [UInt8](box)
        var message = [UInt8](repeating: 0, count: boxBytes.count - secretboxMACBytes)
        let status = crypto_secretbox_open_easy(&message, boxBytes, UInt64(boxBytes.count), [UInt8](nonce), [UInt8](key))
        return status == 0 ? Data(message) : nil
    }
}
