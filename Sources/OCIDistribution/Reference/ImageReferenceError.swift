import Foundation
import SystemSupport

/// Why an image reference string was rejected; each case names the offending part.
package enum ImageReferenceError: Error, Equatable, Sendable, DescribedError {
    case empty
    case invalidCharacter(reference: String, character: Character)
    case nameTooLong(reference: String, length: Int)
    case ambiguousImageID(reference: String)
    case invalidRegistry(reference: String, registry: String)
    case uppercaseRepository(reference: String, repository: String)
    case emptyPathComponent(reference: String)
    case invalidPathComponent(reference: String, component: String)
    case invalidTag(reference: String, tag: String)
    case invalidDigest(String, reason: String)

    package var description: String {
        switch self {
        case .empty:
            return "image reference is empty"
        case let .invalidCharacter(reference, character):
            return "image reference '\(reference)' contains '\(character)', which is not allowed in an image reference"
        case let .nameTooLong(reference, length):
            return "image reference '\(reference)': repository path (without the registry) is \(length) characters; the limit is 255"
        case let .ambiguousImageID(reference):
            return
                "image reference '\(reference)' is 64 hex digits, which engines read as an image ID; write docker.io/library/\(reference) to mean a repository"
        case let .invalidRegistry(reference, registry):
            return "image reference '\(reference)': registry '\(registry)' is not a valid host[:port]"
        case let .uppercaseRepository(reference, repository):
            return "image reference '\(reference)': repository '\(repository)' must be lowercase"
        case let .emptyPathComponent(reference):
            return "image reference '\(reference)': repository has an empty path component (check for '//' or a trailing '/')"
        case let .invalidPathComponent(reference, component):
            return "image reference '\(reference)': path component '\(component)' must be lowercase letters and digits, separated by '.', '_', '__' or '-'"
        case let .invalidTag(reference, tag):
            return "image reference '\(reference)': tag '\(tag)' must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"
        case let .invalidDigest(digest, reason):
            return "digest '\(digest)' is invalid: \(reason)"
        }
    }

}
