import Foundation
import OCIDistribution
import SystemSupport

/// A configuration problem, naming the file, the position and what to change.
package enum ConfigError: Error, Equatable, Sendable, DescribedError {
    case unreadable(path: String, reason: String)
    /// `OUBLIETTE_CONFIG` names a file that does not exist.
    case namedFileMissing(path: String)
    case syntax(JSONCSyntaxError)
    case unknownKey(file: String, location: SourceLocation, key: String, section: String, suggestion: String?, known: [String])
    case wrongType(file: String, location: SourceLocation, key: String, expected: String, found: String)
    case invalidValue(file: String, location: SourceLocation, key: String, value: String, allowed: [String])
    case invalidTypeName(file: String, location: SourceLocation, type: String)
    case invalidReference(file: String, location: SourceLocation, type: String, reason: String)
    case unknownContainerType(String, valid: [String])

    package var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .namedFileMissing(path):
            return
                "OUBLIETTE_CONFIG names \(path), which does not exist; create it with `oubliette init`, or unset OUBLIETTE_CONFIG to use the default location"
        case let .syntax(error):
            return error.description
        case let .unknownKey(file, location, key, section, suggestion, known):
            let hint = suggestion.map { "did you mean \"\($0)\"?" } ?? "known keys: \(known.joined(separator: ", "))"
            return "\(file):\(location): unknown key \"\(key)\" in \(section); \(hint)"
        case let .wrongType(file, location, key, expected, found):
            return "\(file):\(location): \"\(key)\" must be \(expected), found \(found)"
        case let .invalidValue(file, location, key, value, allowed):
            return "\(file):\(location): \"\(key)\" is \"\(value)\"; use one of: \(allowed.joined(separator: ", "))"
        case let .invalidTypeName(file, location, type):
            return "\(file):\(location): container type \"\(type)\" must be lowercase letters, digits, '-' or '_', starting with a letter or digit"
        case let .invalidReference(file, location, type, reason):
            return "\(file):\(location): containers.\(type): \(reason)"
        case let .unknownContainerType(type, valid):
            return "unknown container type '\(type)'; valid types: \(valid.joined(separator: ", ")) (add it under \"containers\" in oubliette.jsonc)"
        }
    }

}
