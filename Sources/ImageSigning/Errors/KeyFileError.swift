import Foundation
import SystemSupport

/// Why a key file could not be read, written or used.
package enum KeyFileError: Error, Equatable, Sendable, DescribedError {
    case unreadable(path: String, reason: String)
    case notPEM(path: String, expected: String)
    case unsupportedPEMType(path: String, type: String)
    case malformed(String)
    case wrongPassword(path: String)
    case unsupportedKeyType(path: String, reason: String)
    case cryptoFailure(String)
    case passwordMissing(variable: String)
    case keyEnvironmentMissing(variable: String)

    package var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read key file \(path): \(reason)"
        case let .notPEM(path, expected):
            return "\(path) is not a PEM file (expected a '-----BEGIN \(expected)-----' block)"
        case let .unsupportedPEMType(path, type):
            return
                "\(path): PEM type '\(type)' is not a cosign key; use a file from `release-tool keys generate` or `cosign generate-key-pair` (ENCRYPTED SIGSTORE PRIVATE KEY / PUBLIC KEY)"
        case let .malformed(reason):
            return "malformed cosign key file: \(reason)"
        case let .wrongPassword(path):
            return "\(path): wrong password (the secretbox did not open); set COSIGN_PASSWORD to the password the key was created with"
        case let .unsupportedKeyType(path, reason):
            return "\(path): \(reason); only ECDSA P-256 keys (cosign's default) are supported"
        case let .cryptoFailure(reason):
            return "cryptography failure: \(reason)"
        case let .passwordMissing(variable):
            return "no password for the private key: set \(variable) (an empty value means no password) or run interactively to be prompted"
        case let .keyEnvironmentMissing(variable):
            return "environment variable \(variable) is not set or empty; it must hold the private key's PEM text"
        }
    }
}
