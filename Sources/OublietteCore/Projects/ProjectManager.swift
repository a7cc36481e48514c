import Foundation

/// A project with the live state of its container and sessions, as tools and commands show it.
public struct ProjectInfo: Sendable, Equatable, Encodable {
    public let id: String
    public let name: String
    public let type: String
    public let image: String
    public let containerID: String?
    public let containerName: String
    /// `running`, `exited`, … or `missing` when the engine no longer has the container.
    public let containerState: String
    public let activeSessions: Int
    public let createdAt: Date

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
public actor ProjectManager {
    public nonisolated let config: OublietteConfig
    public nonisolated let store: ProjectStore
    public nonisolated let lifecycle: ContainerLifecycle
    private let images: ImageManager
    private let now: @Sendable () -> Date

    public init(config: OublietteConfig, runtime: any ContainerRuntime, dataDirectory: URL,
                settings: ContainerSettings = ContainerSettings(), now: @escaping @Sendable () -> Date = { Date() }) {
        let provenance = ProvenanceStore(dataDirectory: dataDirectory)
        let store = ProjectStore(dataDirectory: dataDirectory)
        self.config = config
        self.store = store
        self.now = now
        self.images = ImageManager(config: config, runtime: runtime, provenance: provenance, now: now)
        self.lifecycle = ContainerLifecycle(config: config, runtime: runtime, store: store, provenance: provenance,
                                            settings: settings, now: now)
    }

    /// Container types from the configuration with their images.
    public nonisolated func options() -> [OublietteConfig.ContainerImage] {
        config.validTypes.compactMap { config.containers[$0] }
    }

    // MARK: Projects

    public func create(name: String, type: String, onEvent: @escaping @Sendable (PullEvent) -> Void = { _ in }) async throws -> ProjectInfo {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= Project.maximumNameLength else { throw ProjectError.invalidName(name) }
        let reference = try config.imageReference(for: type)
        if let existing = try await store.projects().first(where: { $0.name == trimmed }) {
            throw ProjectError.duplicateName(trimmed, id: existing.id)
        }
        _ = try await images.ensureImage(type: type, onEvent: onEvent)
        let project = Project(id: Project.makeID(name: trimmed), name: trimmed, type: type,
                              image: reference.description, createdAt: Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down)))
        try await store.add(project)
        do {
            let started = try await lifecycle.startNewContainer(for: project)
            return try await info(started)
        } catch {
            // No half-created project: the record goes with the failed container.
            try? await lifecycle.removeContainers(of: project)
            try? await store.remove(id: project.id)
            throw error
        }
    }

    public func list() async throws -> [ProjectInfo] {
        var infos: [ProjectInfo] = []
        for project in try await store.projects() { infos.append(try await info(project)) }
        return infos
    }

    public func get(id: String) async throws -> ProjectInfo {
        try await info(try await store.project(id: id))
    }

    /// Stops and removes the project's container, then forgets the project and its sessions.
    public func delete(id: String) async throws -> ProjectInfo {
        let project = try await store.project(id: id)
        let before = try await info(project)
        try await lifecycle.removeContainers(of: project)
        try await store.remove(id: id)
        return before
    }

    // MARK: Sessions

    public func startSession(projectID: String, label: String?) async throws -> Session {
        try await store.startSession(projectID: projectID, label: label, now: now())
    }

    public func endSession(id: String) async throws -> Session {
        try await store.endSession(id: id)
    }

    /// Active sessions, grouped by project ID (only projects that have some).
    public func activeSessions(projectID: String?) async throws -> [String: [Session]] {
        if let projectID { _ = try await store.project(id: projectID) }
        return Dictionary(grouping: try await store.sessions(projectID: projectID), by: \.projectID)
    }

    // MARK: Containers

    public func refresh(projectID: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> RefreshResult {
        try await lifecycle.refresh(projectID: projectID, onEvent: onEvent)
    }

    private func info(_ project: Project) async throws -> ProjectInfo {
        let container = try await lifecycle.container(of: project)
        let sessions = try await store.sessions(projectID: project.id).count
        return ProjectInfo(id: project.id, name: project.name, type: project.type, image: project.image,
                           containerID: container?.id ?? project.containerID, containerName: project.containerName,
                           containerState: container?.state.rawValue ?? "missing", activeSessions: sessions,
                           createdAt: project.createdAt)
    }
}
