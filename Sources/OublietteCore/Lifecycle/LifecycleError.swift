import Foundation
import OCIDistribution
import SystemSupport

/// Why a container or image lifecycle operation was refused or failed.
package enum LifecycleError: Error, Equatable, Sendable, DescribedError {
    case activeSessions(project: String, count: Int)
    case conflictingImageFlags(String)
    case rebuildUnavailable(type: String)
    case noPreviousImage(type: String, image: String)
    case nothingToRollBack(type: String, image: String)
    case imageMissing(type: String, image: String)
    case invalidSetting(variable: String, value: String, expected: String)
    case containerFailed(project: String, step: String, reason: String)

    package var description: String {
        switch self {
        case let .activeSessions(project, count):
            return
                "project \(project) has \(count) active session\(count == 1 ? "" : "s"); end \(count == 1 ? "it" : "them") (session_end, "
                + "or `oubliette session list --project \(project)` then `oubliette session end ID`) before refreshing its container"
        case let .conflictingImageFlags(detail):
            return detail
        case let .rebuildUnavailable(type):
            return "container refresh does not rebuild images (container type '\(type)'): run "
                + "`oubliette update --type \(type) --rebuild-image`, which rebuilds and recreates the containers, "
                + "or refresh with --pull-image"
        case let .noPreviousImage(type, image):
            return "there is no previous image for container type '\(type)' (\(image) is absent); run `oubliette update --type \(type)` first"
        case let .nothingToRollBack(type, image):
            return "nothing to roll back to for container type '\(type)': \(image) is already the image tagged "
                + "`\(PreviousImage.tag)` (no update has replaced it since); nothing was changed"
        case let .imageMissing(type, image):
            return "the image \(image) for container type '\(type)' is not present; run `oubliette image pull \(type)`"
        case let .invalidSetting(variable, value, expected):
            return "\(variable)=\(value) is not valid: expected \(expected)"
        case let .containerFailed(project, step, reason):
            return "project \(project): \(step) failed: \(reason)"
        }
    }

}
