import Foundation
import OCIDistribution

/// The seam between Oubliette and whatever engine runs containers on this host (Docker Engine,
/// Apple's `container`). Everything the server needs from an engine goes through here, so the
/// server never speaks an engine's wire format itself.
///
/// Every method throws ``RuntimeError``; its text names the image or container involved and
/// says what to do about it.
package protocol ContainerRuntime: Sendable {
    /// Which engine this is, for messages and `--json` output.
    var kind: RuntimeKind { get }

    /// Checks that the engine answers at all; throws ``RuntimeError`` saying how to start it.
    func ping() async throws
    /// Engine version details (and, for Docker, the API version this client settled on).
    func version() async throws -> RuntimeVersion

    /// Whether the engine already holds `reference` locally.
    func imageExists(_ reference: ImageReference) async throws -> Bool
    /// Local facts about `reference`; throws ``RuntimeError/imageNotFound(image:detail:)`` when absent.
    func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage
    /// Pulls `reference`, yielding progress as it happens. The stream finishes after the
    /// engine reports completion and throws ``RuntimeError`` when the pull fails.
    func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error>
    /// Gives the local image `source` the additional name `target`.
    func tagImage(_ source: ImageReference, as target: ImageReference) async throws
    /// Removes the local name `reference` (and the image once no name is left).
    func removeImage(_ reference: ImageReference, force: Bool) async throws

    /// Creates (but does not start) a container; returns its engine ID.
    func createContainer(_ spec: ContainerSpec) async throws -> String
    func startContainer(_ id: String) async throws
    /// Asks the container to stop, killing it once `timeout` has passed.
    func stopContainer(_ id: String, timeout: Duration) async throws
    func removeContainer(_ id: String, force: Bool) async throws
    /// Containers carrying every one of `labels` (all containers when empty), stopped ones included.
    func listContainers(labels: [String: String]) async throws -> [RuntimeContainer]
    /// Current facts about one container, by ID or name.
    func inspectContainer(_ id: String) async throws -> RuntimeContainer
}

extension ContainerRuntime {
    /// Pulls `reference` and waits for it to finish, forwarding each event to `onEvent`.
    package func pull(_ reference: ImageReference, onEvent: @Sendable (PullEvent) -> Void = { _ in }) async throws {
        for try await event in pullImage(reference) {
            onEvent(event)
        }
    }
}

/// The engines Oubliette can drive.
package enum RuntimeKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case docker
    case apple

    package var description: String {
        switch self {
        case .docker: "Docker"
        case .apple: "Apple container"
        }
    }
}

/// What an engine says about itself.
package struct RuntimeVersion: Sendable, Equatable, Codable {
    package var kind: RuntimeKind
    /// The engine's own version string, e.g. `20.10.24` or `0.5.0`.
    package var engineVersion: String
    /// For Docker: the API version this client uses (the lower of its own and the daemon's).
    package var apiVersion: String?
    package var os: String?
    package var architecture: String?

    package init(kind: RuntimeKind, engineVersion: String, apiVersion: String? = nil, os: String? = nil, architecture: String? = nil) {
        self.kind = kind
        self.engineVersion = engineVersion
        self.apiVersion = apiVersion
        self.os = os
        self.architecture = architecture
    }
}
