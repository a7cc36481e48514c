import CosignKeyFiles
import Foundation
import ImageSigning
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where release-tool takes the private key from: a file, or (for CI) the PEM text in an
/// environment variable; the password from `COSIGN_PASSWORD` (as cosign) or a prompt.
package enum SigningKeySource: Sendable, Equatable {
    case file(String)
    case environment(String)

    package static let passwordVariable = "COSIGN_PASSWORD"

    package var label: String {
        switch self {
        case let .file(path): return path
        case let .environment(variable): return "$\(variable)"
        }
    }

    package func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(KeyFileError) -> SigningKey {
        let text: String
        switch self {
        case let .file(path):
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw .unreadable(path: path, reason: describe(error))
            }
        case let .environment(variable):
            guard let value = environment[variable], !value.isEmpty else { throw .keyEnvironmentMissing(variable: variable) }
            text = value
        }
        let password = try Self.password(environment: environment, confirm: false)
        return try SigningKey(pem: text, password: password, path: label)
    }

    /// `COSIGN_PASSWORD` when set (an empty value is an empty password, as in cosign), else a
    /// prompt on the terminal; no terminal and no variable is an error, not a silent empty
    /// password.
    package static func password(environment: [String: String], confirm: Bool) throws(KeyFileError) -> Data {
        if let value = environment[passwordVariable] { return Data(value.utf8) }
        guard isatty(STDIN_FILENO) == 1 else { throw .passwordMissing(variable: passwordVariable) }
        guard let first = prompt("Enter password for private key: ") else { throw .passwordMissing(variable: passwordVariable) }
        if confirm {
            guard let second = prompt("Enter password for private key again: "), second == first else {
                throw .malformed("the two passwords differ")
            }
        }
        return Data(first.utf8)
    }

    private static func prompt(_ text: String) -> String? {
        guard let pointer = getpass(text) else { return nil }
        return String(cString: pointer)
    }
}
