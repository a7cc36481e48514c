import Foundation
import OCIDistribution

/// What to create a container from. Engine-neutral: each runtime maps it to its own request.
package struct ContainerSpec: Sendable, Equatable, Codable {
    /// The container name (Apple `container` uses it as the container ID).
    package var name: String?
    /// The name users see (labels, messages); what runs is ``imageID`` when it is set.
    package var image: ImageReference
    /// The engine's ID of the image that was checked (``RuntimeImage/id``, `sha256:…`). When
    /// set, the container is created from exactly that image, so a name re-tagged after the
    /// check cannot swap what runs.
    package var imageID: String?
    package var labels: [String: String]
    /// `KEY=value` pairs are built from this; keys are emitted sorted so requests are stable.
    package var environment: [String: String]
    package var mounts: [Mount]
    /// Replaces the image's default command (`CMD`); empty keeps the image's.
    package var command: [String]
    package var network: NetworkMode

    package init(
        name: String? = nil,
        image: ImageReference,
        imageID: String? = nil,
        labels: [String: String] = [:],
        environment: [String: String] = [:],
        mounts: [Mount] = [],
        command: [String] = [],
        network: NetworkMode = .default
    ) {
        self.name = name
        self.image = image
        self.imageID = imageID
        self.labels = labels
        self.environment = environment
        self.mounts = mounts
        self.command = command
        self.network = network
    }

    /// `KEY=value` strings in key order.
    package var environmentList: [String] {
        environment.keys.sorted().map { "\($0)=\(environment[$0] ?? "")" }
    }

    /// A host directory or file made visible inside the container.
    package struct Mount: Sendable, Equatable, Codable {
        package var source: String
        package var target: String
        package var readOnly: Bool

        package init(source: String, target: String, readOnly: Bool = false) {
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }
    }

    /// Which network the container joins.
    package enum NetworkMode: Sendable, Equatable, Codable {
        /// The engine's default network.
        case `default`
        /// Loopback only. Needed on hosts whose dockerd runs with `--bridge=none`.
        case none
        /// The host's network namespace (Docker only).
        case host
        /// A user-defined network.
        case named(String)
    }
}
