import Foundation
import OCIDistribution

/// A project with the live state of its container and sessions, as tools and commands show it.
package struct ProjectInfo: Sendable, Equatable, Encodable {
    package let id: String
    package let name: String
    package let type: String
    package let image: String
    package let containerID: String?
    package let containerName: String
    /// `running`, `exited`, … or `missing` when the engine no longer has the container.
    package let containerState: String
    package let activeSessions: Int
    package let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, type, image
        case containerID = "container_id", containerName = "container_name", containerState = "container_state"
        case activeSessions = "active_sessions", createdAt = "created_at"
    }
}

/// Projects and sessions over a runtime: what the MCP tools do, without MCP.
///
/// Creating a project makes sure its type's image is present (pulling it if missing), then
/// creates and starts a container labelled with the project ID. Deleting stops and removes it.
package actor ProjectManager {
    package nonisolated let config: OublietteConfig
    package nonisolated let store: ProjectStore
    package nonisolated let lifecycle: ContainerLifecycle
    private var images: ImageManager { lifecycle.images }
    private let now: @Sendable () -> Date

    /// Takes the process's one lifecycle (and through it the one image manager and store).
    package init(lifecycle: ContainerLifecycle, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = lifecycle.config
        self.store = lifecycle.store
        self.lifecycle = lifecycle
        self.now = now
    }

    /// Container types from the configuration with their images.
    package nonisolated func options() -> [OublietteConfig.ContainerImage] {
        config.validTypes.compactMap { config.containers[$0] }
    }

    // MARK: Projects

    package func create(name: String, type: String, onEvent: @escaping @Sendable (PullEvent) -> Void = { _ in }) async throws -> ProjectInfo {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard Project.isAcceptableName(trimmed) else { throw ProjectError.invalidName(name) }
        let reference = try config.imageReference(for: type)
        if let existing = try await store.projects().first(where: { $0.name == trimmed }) {
            throw ProjectError.duplicateName(trimmed, id: existing.id)
        }
        let ensured = try await images.ensureImage(type: type, onEvent: onEvent)
        let project = Project(
            id: Project.makeID(name: trimmed), name: trimmed, type: type,
            image: reference.description, createdAt: Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down)))
        try await store.add(project)
        do {
            let started = try await lifecycle.startNewContainer(for: project, image: ensured.image)
            return try await info(started)
        } catch {
            // No half-created project: the record goes with the failed container.
            try? await lifecycle.removeContainers(of: project)
            try? await store.remove(id: project.id)
            throw error
        }
    }

    package func list() async throws -> [ProjectInfo] {
        var infos: [ProjectInfo] = []
        for project in try await store.projects() { infos.append(try await info(project)) }
        return infos
    }

    package func get(id: String) async throws -> ProjectInfo {
        try await info(try await store.project(id: id))
    }

    /// Forgets the project and its sessions, then stops and removes its container. Refused
    /// while a refresh is replacing the container; a refresh still pulling finds the project
    /// gone and creates nothing, so no container outlives its record unseen (and any that does,
    /// e.g. when the engine fails here, is listed by `container list --all`).
    package func delete(id: String) async throws -> ProjectInfo {
        let project = try await store.project(id: id)
        let before = try await info(project)
        try await store.remove(id: id, now: now())
        try await lifecycle.removeContainers(of: project)
        return before
    }

    // MARK: Sessions

    package func startSession(projectID: String, label: String?) async throws -> Session {
        try await store.startSession(projectID: projectID, label: label, now: now())
    }

    package func endSession(id: String) async throws -> Session {
        try await store.endSession(id: id)
    }

    /// Active sessions, grouped by project ID (only projects that have some).
    package func activeSessions(projectID: String?) async throws -> [String: [Session]] {
        if let projectID { _ = try await store.project(id: projectID) }
        return Dictionary(grouping: try await store.sessions(projectID: projectID), by: \.projectID)
    }

    // MARK: Containers

    package func refresh(projectID: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> RefreshResult {
        try await lifecycle.refresh(projectID: projectID, onEvent: onEvent)
    }

    private func info(_ project: Project) async throws -> ProjectInfo {
        let container = try await lifecycle.container(of: project)
        let sessions = try await store.sessions(projectID: project.id).count
        return ProjectInfo(
            id: project.id, name: project.name, type: project.type, image: project.image,
            containerID: container?.id ?? project.containerID, containerName: project.containerName,
            containerState: container?.state.rawValue ?? "missing", activeSessions: sessions,
            createdAt: project.createdAt)
    }
}
