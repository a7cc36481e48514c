import Foundation
import ImageCatalogue
import SystemSupport

package enum ReleasePlanError: Error, Equatable, Sendable, DescribedError {
    case catalogue(CatalogueError)
    case invalidRegistryOverride(String, reason: String)
    case invalidRepository(type: String, repository: String, reason: String)
    case invalidTag(type: String, tag: String)
    case invalidBuildArgument(String)
    case missingDockerfile(type: String, path: String)
    case missingContext(type: String, path: String)
    case parentNotPushed(parent: String)
    case platformNotInCatalogue(String, declared: [String])
    case invalidPlatform(String, reason: String)

    package var description: String {
        switch self {
        case let .catalogue(error):
            return error.description
        case let .invalidRegistryOverride(value, reason):
            return "--registry '\(value)' is invalid: \(reason); use HOST[:PORT][/NAMESPACE], e.g. ghcr.io/hyphagroup or 127.0.0.1:5000"
        case let .invalidRepository(type, repository, reason):
            return "image '\(type)' would be pushed to '\(repository)', which is not a valid repository: \(reason)"
        case let .invalidTag(type, tag):
            return "image '\(type)' would get tag '\(tag)', which is not a valid image tag; check --tag-prefix"
        case let .invalidBuildArgument(value):
            return "--build-arg '\(value)' must look like KEY=VALUE"
        case let .missingDockerfile(type, path):
            return "image '\(type)': Dockerfile \(path) does not exist; fix \"dockerfile\" in the catalogue"
        case let .missingContext(type, path):
            return "image '\(type)': build context \(path) is not a directory; fix \"context\" in the catalogue"
        case let .parentNotPushed(parent):
            return "internal ordering error: image '\(parent)' must be pushed before the images built from it"
        case let .invalidPlatform(_, reason):
            return "--platform: \(reason)"
        case let .platformNotInCatalogue(platform, declared):
            var unique: [String] = []
            for item in declared where !unique.contains(item) { unique.append(item) }
            return
                "--platform \(platform): no catalogue image is built for it (the catalogue declares \(unique.joined(separator: ", "))); pick one of those or add it to \"platforms\""
        }
    }

}
