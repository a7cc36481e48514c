import Foundation
import SystemSupport
import TestSupport
import Testing

@testable import ContainerRuntimes
@testable import OCIDistribution
@testable import OublietteCore

/// Refresh against sessions and deletes that arrive mid-way, with the real project store on
/// disk and a scripted engine whose pull and create steps the test holds at gates.
@Suite("Refresh never cuts a session or leaves an orphan")
struct RefreshRaceTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("race-\(UUID().uuidString)")

    func services(_ runtime: ScriptedRuntime) -> OublietteServices {
        let paths = OubliettePaths(configFile: data.appendingPathComponent("none.jsonc"), dataDirectory: data)
        // The shipped images are enforced by the release identity by default; this scripted
        // engine has no registry behind it, and the races do not depend on verification.
        var config = OublietteConfig(catalogue: .shipped, devMode: false)
        config.verify.global.mode = .off
        return OublietteServices(
            paths: paths, config: config, runtime: runtime,
            options: .init(checkVersions: false, retryPolicy: .none, credentials: AnonymousCredentials()))
    }

    /// A project with a running container, its image present.
    func project(_ services: OublietteServices, _ runtime: ScriptedRuntime) async throws -> ProjectInfo {
        _ = try await services.images.ensureImage(type: "base")
        return try await services.projects.create(name: "demo", type: "base")
    }

    /// Where the engine holds a refresh: in its pull, or while it creates the new container.
    enum HeldStep { case pull, create }

    /// A refresh of a fresh project, held at `step` until the returned gate opens.
    func heldRefresh(at step: HeldStep) async throws
        -> (runtime: ScriptedRuntime, services: OublietteServices, project: ProjectInfo, gate: Gate, refresh: Task<RefreshResult, any Error>)
    {
        let runtime = ScriptedRuntime()
        let services = services(runtime)
        let project = try await project(services, runtime)
        let gate = Gate()
        switch step {
        case .pull: await runtime.setPullGate(gate)
        case .create: await runtime.setCreateGate(gate)
        }
        let refresh = Task { try await services.lifecycle.refresh(projectID: project.id) }
        // The project's own setup pulled and created once; the refresh is the second.
        let held = await eventually { await runtime.count(step == .pull ? "pull" : "create") == 2 }
        #expect(held, "the refresh reached its \(step) step")
        return (runtime, services, project, gate, refresh)
    }

    @Test func aSessionStartedDuringThePullRefusesTheReplacement() async throws {
        let (runtime, services, project, gate, refresh) = try await heldRefresh(at: .pull)
        _ = try await services.projects.startSession(projectID: project.id, label: "agent")
        let creates = await runtime.count("create")
        await gate.open()
        await #expect {
            _ = try await refresh.value
        } throws: { error in
            "\(error)".contains("has 1 active session")
        }
        #expect(await runtime.count("create") == creates, "no container was replaced under the session")
        #expect(await runtime.containers.map(\.id) == [project.containerID].compactMap { $0 })
    }

    @Test func noSessionStartsAndNoDeleteHappensWhileTheContainerIsReplaced() async throws {
        let (_, services, project, gate, refresh) = try await heldRefresh(at: .create)
        await #expect {
            _ = try await services.projects.startSession(projectID: project.id, label: nil)
        } throws: { error in
            describe(error).contains("is being replaced") && describe(error).contains("try again")
        }
        await #expect(throws: ProjectError.self) { _ = try await services.projects.delete(id: project.id) }
        await gate.open()
        let result = try await refresh.value
        #expect(result.newContainerID != project.containerID)
        // Once replaced, sessions start again and the mark is gone.
        _ = try await services.projects.startSession(projectID: project.id, label: nil)
        #expect(try await services.projectStore.project(id: project.id).replacement == nil)
        #expect(try await services.projectStore.project(id: project.id).containerID == result.newContainerID)
    }

    @Test func aDeleteDuringThePullLeavesNoContainerBehind() async throws {
        let (runtime, services, project, gate, refresh) = try await heldRefresh(at: .pull)
        _ = try await services.projects.delete(id: project.id)
        await gate.open()
        await #expect(throws: ProjectError.self) { _ = try await refresh.value }
        #expect(await runtime.containers.isEmpty, "no container outlives its project")
    }

    @Test func orphansAreListedWithAllAndPruned() async throws {
        let runtime = ScriptedRuntime()
        let services = services(runtime)
        let project = try await project(services, runtime)
        let owner = services.lifecycle.settings.owner
        await runtime.addContainer(
            RuntimeContainer(
                id: "orphan", name: "oubliette-gone", image: "x", state: .running, status: "Up",
                labels: [
                    ContainerSettings.managedLabel: "true", ContainerSettings.projectLabel: "gone-123", ContainerSettings.ownerLabel: owner,
                ]))
        await runtime.addContainer(
            RuntimeContainer(
                id: "foreign", name: "oubliette-other", image: "x", state: .running, status: "Up",
                labels: [
                    ContainerSettings.managedLabel: "true", ContainerSettings.projectLabel: "other-1", ContainerSettings.ownerLabel: "/another/data",
                ]))
        #expect(try await services.lifecycle.containers().map(\.projectID) == [project.id])
        let all = try await services.lifecycle.containers(includeOrphans: true)
        #expect(all.map(\.projectID).sorted() == ["gone-123", project.id].sorted(), "another data directory's containers stay hidden")
        #expect(all.first { $0.projectID == "gone-123" }?.projectName == "")
        let removed = try await services.lifecycle.removeOrphans()
        #expect(removed.map(\.containerID) == ["orphan"])
        #expect(await runtime.containers.map(\.id).sorted() == ["foreign", project.containerID ?? ""].sorted())
    }
}
