import ContainerRuntimes
import Foundation
import OCIDistribution

/// How project containers are created on this host: which network they join and how long a
/// stop waits before killing. Read from the environment so a host without a bridge network
/// (a CI dockerd started with `--bridge=none`) can still run them.
package struct ContainerSettings: Sendable, Equatable {
    /// `OUBLIETTE_CONTAINER_NETWORK`: `default` (engine default), `none`, `host` or a network name.
    package static let networkVariable = "OUBLIETTE_CONTAINER_NETWORK"
    /// `OUBLIETTE_STOP_TIMEOUT`: seconds a stop waits for the container to exit before killing it.
    package static let stopTimeoutVariable = "OUBLIETTE_STOP_TIMEOUT"

    /// Labels every project container carries; `container list` and the server find them by these.
    package static let managedLabel = "org.hyphagroup.oubliette.managed"
    package static let projectLabel = "org.hyphagroup.oubliette.project"
    package static let typeLabel = "org.hyphagroup.oubliette.type"
    /// The data directory whose projects own the container, so orphans of this one can be
    /// told apart from another oubliette's containers on a shared engine.
    package static let ownerLabel = "org.hyphagroup.oubliette.owner"
    /// The configured image name, shown by `container list`: the engine only knows the
    /// container was created from an image ID.
    package static let imageLabel = "org.hyphagroup.oubliette.image"

    package var network: ContainerSpec.NetworkMode
    package var stopTimeout: Duration
    /// The owning data directory's path (see ``ownerLabel``).
    package var owner: String

    package init(network: ContainerSpec.NetworkMode = .default, stopTimeout: Duration = .seconds(10), owner: String = "") {
        self.network = network
        self.stopTimeout = stopTimeout
        self.owner = owner
    }

    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(LifecycleError) -> ContainerSettings {
        var settings = ContainerSettings()
        if let network = environment[networkVariable] {
            settings.network = parseNetwork(network)
        }
        if let text = environment[stopTimeoutVariable], !text.isEmpty {
            guard let seconds = Int(text), seconds >= 0 else {
                throw .invalidSetting(variable: stopTimeoutVariable, value: text, expected: "a whole number of seconds")
            }
            settings.stopTimeout = .seconds(seconds)
        }
        return settings
    }

    /// `default` or empty → engine default; `none`; `host`; anything else names a network.
    package static func parseNetwork(_ text: String) -> ContainerSpec.NetworkMode {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "", "default": .default
        case "none": .none
        case "host": .host
        default: .named(text.trimmingCharacters(in: .whitespaces))
        }
    }

    /// The spec of a project's container: the image's own command, the project labels.
    /// `imageID` is the engine's ID of the image that was checked, which is what runs.
    package func spec(for project: Project, image: ImageReference, imageID: String? = nil) -> ContainerSpec {
        ContainerSpec(
            name: project.containerName,
            image: image,
            imageID: imageID,
            labels: [
                Self.managedLabel: "true", Self.projectLabel: project.id, Self.typeLabel: project.type, Self.ownerLabel: owner,
                Self.imageLabel: image.description,
            ],
            environment: ["OUBLIETTE_PROJECT_ID": project.id, "OUBLIETTE_PROJECT_NAME": project.name],
            network: network
        )
    }
}
