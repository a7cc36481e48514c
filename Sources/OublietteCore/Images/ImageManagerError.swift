import Foundation

public enum ImageManagerError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    case missingInDevMode(type: String, image: String, buildCommand: String)
    case pullFailed(type: String, image: String, reason: String, manualCommand: String)
    case provenance(ProvenanceError)

    public var description: String {
        switch self {
        case let .missingInDevMode(type, image, buildCommand):
            return "image \(image) for container type '\(type)' is not present and dev mode (OUBLIETTE_DEV=1) never pulls; build it first:\n  \(buildCommand)"
        case let .pullFailed(type, image, reason, manualCommand):
            return "could not pull \(image) for container type '\(type)': \(reason)\n"
                + "Check the network connection and that the registry is reachable, then retry, or pull it by hand:\n  \(manualCommand)"
        case let .provenance(error):
            return error.description
        }
    }

    public var errorDescription: String? { description }
}
