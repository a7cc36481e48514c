import Foundation

/// A container as an engine reports it.
package struct RuntimeContainer: Sendable, Equatable, Codable {
    package var id: String
    /// The name without Docker's leading `/`.
    package var name: String
    /// The image reference the container was created from, as the engine recorded it.
    package var image: String
    package var state: ContainerState
    /// The engine's human-readable status, e.g. `Up 3 seconds` or `Exited (137) 1 second ago`.
    package var status: String
    package var labels: [String: String]
    package var created: Date?

    package init(id: String, name: String, image: String, state: ContainerState, status: String, labels: [String: String] = [:], created: Date? = nil) {
        self.id = id
        self.name = name
        self.image = image
        self.state = state
        self.status = status
        self.labels = labels
        self.created = created
    }
}

/// Lifecycle state, folded into the states both engines can express.
package enum ContainerState: String, Sendable, Codable, CaseIterable {
    case created
    case running
    case paused
    case restarting
    case stopping
    case removing
    case exited
    case dead
    case unknown

    /// Maps an engine's state word (`running`, `exited`, Apple's `stopped`, …).
    package init(engineState: String) {
        switch engineState.lowercased() {
        case "created": self = .created
        case "running": self = .running
        case "paused": self = .paused
        case "restarting": self = .restarting
        case "stopping": self = .stopping
        case "removing": self = .removing
        case "exited", "stopped": self = .exited
        case "dead": self = .dead
        default: self = .unknown
        }
    }
}
