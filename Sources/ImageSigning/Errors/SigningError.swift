import Foundation
import SystemSupport

/// Why signing or attaching could not start.
package enum SigningError: Error, Equatable, Sendable, DescribedError {
    case referenceNotPinned(String)
    case imageMissing(String)

    package var description: String {
        switch self {
        case let .referenceNotPinned(reference):
            return "\(reference) has no digest; signing needs REPOSITORY@sha256:… (resolve the tag first)"
        case let .imageMissing(reference):
            return "\(reference) is not in the registry; push the image before signing it"
        }
    }
}
