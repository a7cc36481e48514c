import Foundation
import SystemSupport

package enum ImageManagerError: Error, Equatable, Sendable, DescribedError {
    case missingInDevMode(type: String, image: String, buildCommand: String)
    case pullFailed(type: String, image: String, reason: String, manualCommand: String)
    case provenance(ProvenanceError)
    case buildUnavailable(type: String)
    case notBuildable(type: String, buildable: [String])
    case buildFailed(type: String, image: String, reason: String)

    package var description: String {
        switch self {
        case let .missingInDevMode(type, image, buildCommand):
            return "image \(image) for container type '\(type)' is not present and dev mode (OUBLIETTE_DEV=1) never pulls; build it first:\n  \(buildCommand)"
        case let .pullFailed(type, image, reason, manualCommand):
            if EnginePullRetry.isNotFound(reason) {
                // Not a network problem: retrying cannot help, the name is wrong.
                return "could not pull \(image) for container type '\(type)': the image or tag does not exist (\(reason))\n"
                    + "Check the image reference for '\(type)' (`oubliette config show`) and the tags the registry has."
            }
            return "could not pull \(image) for container type '\(type)': \(reason)\n"
                + "Check the network connection and that the registry is reachable, then retry, or pull it by hand:\n  \(manualCommand)"
        case let .provenance(error):
            return error.description
        case let .buildUnavailable(type):
            return "image_source is \"build\" but no local builder is set up for container type '\(type)'; "
                + "run from a checkout with the Dockerfiles, or set image_source to \"prebuilt\""
        case let .notBuildable(type, buildable):
            return "container type '\(type)' has no Dockerfile in the image catalogue (buildable: \(buildable.joined(separator: ", "))); "
                + "set image_source to \"prebuilt\" to pull it instead"
        case let .buildFailed(type, image, reason):
            return "building \(image) for container type '\(type)' failed: \(reason)"
        }
    }

}
