import Foundation
import SystemSupport
import Testing

@testable import OCIDistribution
@testable import OublietteCore

/// Refresh against sessions and deletes that arrive mid-way, with the real project store on
/// disk and a scripted engine whose pull and create steps the test holds at gates.
@Suite("Refresh never cuts a session or leaves an orphan")
struct RefreshRaceTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("race-\(UUID().uuidString)")

    func services(_ runtime: ScriptedRuntime) -> OublietteServices {
        let paths = OubliettePaths(configFile: data.appendingPathComponent("none.jsonc"), dataDirectory: data)
        return OublietteServices(
            paths: paths, config: OublietteConfig(catalogue: .shipped, devMode: false), runtime: runtime,
            options: .init(checkVersions: false, retryPolicy: .none, credentials: AnonymousCredentials()))
    }

    /// A project with a running container, its image present.
    func project(_ services: OublietteServices, _ runtime: ScriptedRuntime) async throws -> ProjectInfo {
        _ = try await services.images.ensureImage(type: "base")
        return try await services.projects.create(name: "demo", type: "base")
    }

    @Test func aSessionStartedDuringThePullRefusesTheReplacement() async throws {
        let runtime = ScriptedRuntime()
        let services = services(runtime)
        let project = try await project(services, runtime)
        let gate = Gate()
        await runtime.setPullGate(gate)
        let refresh = Task { try await services.lifecycle.refresh(projectID: project.id) }
        #expect(await eventually { await runtime.count("pull") == 2 }, "the refresh is pulling")
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
        let runtime = ScriptedRuntime()
        let services = services(runtime)
        let project = try await project(services, runtime)
        let gate = Gate()
        await runtime.setCreateGate(gate)
        let refresh = Task { try await services.lifecycle.refresh(projectID: project.id) }
        #expect(await eventually { await runtime.count("create") == 2 }, "the refresh is creating the new container")
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
        let runtime = ScriptedRuntime()
        let services = services(runtime)
        let project = try await project(services, runtime)
        let gate = Gate()
        await runtime.setPullGate(gate)
        let refresh = Task { try await services.lifecycle.refresh(projectID: project.id) }
        #expect(await eventually { await runtime.count("pull") == 2 })
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
