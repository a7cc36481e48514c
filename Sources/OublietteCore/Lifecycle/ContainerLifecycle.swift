import ContainerRuntimes
import Foundation
import OCIDistribution
import SystemSupport

/// A project container as `container list` shows it.
package struct ProjectContainer: Sendable, Equatable, Encodable {
    package let projectID: String
    package let projectName: String
    package let type: String
    package let containerID: String
    package let image: String
    package let state: ContainerState
    package let status: String

    enum CodingKeys: String, CodingKey {
        case projectID = "project_id", projectName = "project_name", type
        case containerID = "container_id", image, state, status
    }
}

/// What a refresh did to one project.
package struct RefreshResult: Sendable, Equatable, Encodable {
    package let projectID: String
    package let type: String
    package let image: String
    package let oldContainerID: String?
    package let newContainerID: String
    /// The manifest digest of the image the new container runs.
    package let digest: String?

    enum CodingKeys: String, CodingKey {
        case projectID = "project_id", type, image
        case oldContainerID = "old_container_id", newContainerID = "new_container_id", digest
    }
}

/// What a stop did to one project's container.
package struct StopResult: Sendable, Equatable, Encodable {
    package let projectID: String
    package let containerID: String
    /// False when it was not running to begin with.
    package let wasRunning: Bool

    enum CodingKeys: String, CodingKey {
        case projectID = "project_id", containerID = "container_id", wasRunning = "was_running"
    }
}

/// Creates, replaces and stops project containers. A container is only ever replaced after
/// the image it will run is in place, and never while its project has active sessions.
package actor ContainerLifecycle {
    package nonisolated let config: OublietteConfig
    package nonisolated let runtime: any ContainerRuntime
    package nonisolated let store: ProjectStore
    package nonisolated let settings: ContainerSettings
    /// The process's one image manager: refreshes pull through its single flight.
    package nonisolated let images: ImageManager

    package init(
        config: OublietteConfig, runtime: any ContainerRuntime, store: ProjectStore, images: ImageManager,
        settings: ContainerSettings = ContainerSettings()
    ) {
        self.config = config
        self.runtime = runtime
        self.store = store
        self.images = images
        self.settings = settings
    }

    /// Pulls the latest image of `type` for a refresh or an update; when it is a different
    /// image, the one it replaces becomes `previous`, else `previous` stays. Returns the image
    /// it replaced (nil when this call joined a pull another caller started, which keeps
    /// `previous` itself) and the new one.
    func pullKeepingPrevious(type: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void) async throws -> (
        old: RuntimeImage?, new: RuntimeImage
    ) {
        let reference = try config.imageReference(for: type)
        let previous = PreviousImage(runtime: runtime, provenance: images.provenance)
        let replaced = ReplacedImage()
        onEvent(.step("Pulling \(reference.description)..."))
        let image = try await images.pullLatest(
            type: type,
            around: { pull in
                let (old, new) = try await previous.replace(reference, onEvent: onEvent, acquire: pull)
                await replaced.set(old)
                return new
            },
            onEvent: { onEvent(.pull(image: type, $0)) })
        return (await replaced.image, image)
    }

    // MARK: Listing

    /// The containers of this data directory's projects, with each project's name and type.
    /// With `includeOrphans`, also containers this data directory created whose project
    /// record is gone (shown with an empty project name; ``removeOrphans()`` removes them).
    package func containers(includeOrphans: Bool = false) async throws -> [ProjectContainer] {
        let projects = Dictionary(try await store.projects().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let found = try await runtime.listContainers(labels: [ContainerSettings.managedLabel: "true"])
        return found.compactMap { container -> ProjectContainer? in
            guard let projectID = container.labels[ContainerSettings.projectLabel] else { return nil }
            if let project = projects[projectID] {
                return ProjectContainer(
                    projectID: projectID, projectName: project.name, type: project.type,
                    containerID: container.id, image: Self.shownImage(container), state: container.state, status: container.status)
            }
            // Only this data directory's orphans: another oubliette (another user, a test)
            // may share the engine, and its containers are not ours to list or remove.
            guard includeOrphans, container.labels[ContainerSettings.ownerLabel] == settings.owner else { return nil }
            return ProjectContainer(
                projectID: projectID, projectName: "", type: container.labels[ContainerSettings.typeLabel] ?? "",
                containerID: container.id, image: Self.shownImage(container), state: container.state, status: container.status)
        }.sorted { ($0.projectID, $0.containerID) < ($1.projectID, $1.containerID) }
    }

    /// The configured name the container was created for: the engine reports the image ID.
    static func shownImage(_ container: RuntimeContainer) -> String {
        container.labels[ContainerSettings.imageLabel] ?? container.image
    }

    /// Removes this data directory's containers whose project record is gone.
    package func removeOrphans() async throws -> [ProjectContainer] {
        let projects = Set(try await store.projects().map(\.id))
        let orphans = try await containers(includeOrphans: true).filter { !projects.contains($0.projectID) }
        for orphan in orphans {
            do {
                try await runtime.removeContainer(orphan.containerID, force: true)
            } catch RuntimeError.containerNotFound {
                continue
            }
        }
        return orphans
    }

    /// The container of `project`, if the engine still has it.
    package func container(of project: Project) async throws -> RuntimeContainer? {
        try await runtime.listContainers(labels: [ContainerSettings.projectLabel: project.id]).first
    }

    // MARK: Creating and removing

    /// Creates and starts `project`'s container from `image`, the image its type's pull,
    /// presence check or build vouched for: created from that image's ID, never from whatever
    /// the configured name points at by now. Records the container's ID.
    @discardableResult
    package func startNewContainer(for project: Project, image: RuntimeImage) async throws -> Project {
        let reference = try config.imageReference(for: project.type)
        let id: String
        do {
            id = try await runtime.createContainer(settings.spec(for: project, image: reference, imageID: image.id))
        } catch {
            throw LifecycleError.containerFailed(project: project.id, step: "creating its container from \(reference)", reason: Self.reason(error))
        }
        do {
            try await runtime.startContainer(id)
        } catch {
            try? await runtime.removeContainer(id, force: true)
            throw LifecycleError.containerFailed(project: project.id, step: "starting its container", reason: Self.reason(error))
        }
        var updated = project
        updated.containerID = id
        updated.image = reference.description
        do {
            try await store.update(updated)
        } catch {
            // The project went away meanwhile: leave no container that no command shows.
            try? await runtime.removeContainer(id, force: true)
            throw error
        }
        return updated
    }

    /// Stops and removes `project`'s container (every container labelled with its ID). A
    /// container that is already gone is not an error.
    package func removeContainers(of project: Project) async throws {
        let found = try await runtime.listContainers(labels: [ContainerSettings.projectLabel: project.id])
        for container in found {
            if container.state == .running {
                try? await runtime.stopContainer(container.id, timeout: settings.stopTimeout)
            }
            do {
                try await runtime.removeContainer(container.id, force: true)
            } catch RuntimeError.containerNotFound {
                continue
            }
        }
    }

    // MARK: Refresh

    /// Pulls the latest image for the project's type, then replaces its container.
    /// Refused (``LifecycleError/activeSessions(project:count:)``) while sessions are active.
    package func refresh(projectID: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> RefreshResult {
        let project = try await store.project(id: projectID)
        try await refuseIfInUse(project)
        onEvent(.step("Refreshing \(project.id) (\(project.type))..."))
        let reference = try config.imageReference(for: project.type)
        let image = try await pullKeepingPrevious(type: project.type, onEvent: onEvent).new
        let result = try await replaceContainer(of: project, image: image, digest: image.repoDigest(for: reference)?.description, onEvent: onEvent)
        onEvent(.step("Done."))
        return result
    }

    /// Refreshes every project whose container is running, pulling each image once. Projects
    /// with active sessions are skipped with a warning and listed in `refused`.
    package func refreshRunning(onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> (
        refreshed: [RefreshResult], refused: [LifecycleError]
    ) {
        let running = try await containers().filter { $0.state == .running }
        var refreshed: [RefreshResult] = []
        var refused: [LifecycleError] = []
        var pulled: [ImageReference: RuntimeImage] = [:]
        for projectID in Set(running.map(\.projectID)).sorted() {
            let project = try await store.project(id: projectID)
            do {
                try await refuseIfInUse(project)
            } catch let error as LifecycleError {
                onEvent(.warning(error.description))
                refused.append(error)
                continue
            }
            onEvent(.step("Refreshing \(project.id) (\(project.type))..."))
            let reference = try config.imageReference(for: project.type)
            let image: RuntimeImage
            if let done = pulled[reference] {
                image = done
            } else {
                image = try await pullKeepingPrevious(type: project.type, onEvent: onEvent).new
                pulled[reference] = image
            }
            refreshed.append(
                try await replaceContainer(of: project, image: image, digest: image.repoDigest(for: reference)?.description, onEvent: onEvent))
        }
        if !refreshed.isEmpty { onEvent(.step("Done.")) }
        return (refreshed, refused)
    }

    /// Stops, removes and recreates the container of `project` from `image` (by its ID), the
    /// image the caller pulled, built or checked for the project's type.
    ///
    /// The decision is re-made under the project store's lock (``ProjectStore/beginReplacement(projectID:now:processID:)``):
    /// a session that started while the image was pulled refuses the replacement, and until
    /// it is done no session can start and the project cannot be deleted.
    package func replaceContainer(
        of project: Project, image: RuntimeImage, digest: String?, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }
    ) async throws -> RefreshResult {
        let marked: Project
        do {
            marked = try await store.beginReplacement(projectID: project.id)
        } catch {
            guard case let .activeSessions(id, count) = error else { throw error }
            throw LifecycleError.activeSessions(project: id, count: count)
        }
        onEvent(.step("Restarting \(project.id)'s container (the old one gets \(settings.stopTimeout.formattedSeconds) to exit)..."))
        let old = (try? await container(of: marked)) ?? nil
        let updated: Project
        do {
            try await removeContainers(of: marked)
            updated = try await startNewContainer(for: marked, image: image)
        } catch {
            try? await store.finishReplacement(projectID: marked.id, containerID: nil, image: nil)
            throw error
        }
        try await store.finishReplacement(projectID: marked.id, containerID: updated.containerID, image: updated.image)
        return RefreshResult(
            projectID: project.id, type: project.type, image: updated.image,
            oldContainerID: old?.id, newContainerID: updated.containerID ?? "", digest: digest)
    }

    /// The early check, before any pull: a project in use is refused at once. The decisive
    /// check is repeated under the lock when the container is replaced.
    private func refuseIfInUse(_ project: Project) async throws {
        let count = try await store.sessions(projectID: project.id).count
        if count > 0 { throw LifecycleError.activeSessions(project: project.id, count: count) }
    }

    // MARK: Stop

    /// Stops the containers of the given projects, or of every project when `projectIDs` is nil.
    /// Each stop is announced first (`onEvent`), naming the project and how long it may take.
    package func stop(projectIDs: [String]?, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> [StopResult] {
        let targets: [ProjectContainer]
        if let projectIDs {
            var selected: [ProjectContainer] = []
            let all = try await containers()
            for id in projectIDs {
                let project = try await store.project(id: id)
                let mine = all.filter { $0.projectID == project.id }
                guard !mine.isEmpty else { throw RuntimeError.containerNotFound(container: project.containerName) }
                selected += mine
            }
            targets = selected
        } else {
            targets = try await containers()
        }
        var results: [StopResult] = []
        for container in targets {
            let wasRunning = container.state == .running
            if wasRunning {
                onEvent(.step("Stopping \(container.projectID) (it gets \(settings.stopTimeout.formattedSeconds) to exit before it is killed)..."))
                try await runtime.stopContainer(container.containerID, timeout: settings.stopTimeout)
            }
            results.append(StopResult(projectID: container.projectID, containerID: container.containerID, wasRunning: wasRunning))
        }
        return results
    }

    static func reason(_ error: any Error) -> String { describe(error) }
}

/// Carries the image a flight's `around` step replaced out of its `@Sendable` closure.
private actor ReplacedImage {
    private(set) var image: RuntimeImage?
    func set(_ image: RuntimeImage?) { self.image = image }
}
