import ContainerRuntimes
import Foundation
import MCP
import OCIDistribution
import OublietteCore
@preconcurrency import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `oubliette serve` driven over stdio by the MCP SDK's client, as an agent would, against
/// the bed's dockerd and registry.
@Suite("MCP server over stdio", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized, .timeLimit(.minutes(10)))
struct MCPServerIntegrationTests {
    let bed = TestBed.required

    /// A home with a config naming one custom type, `custom`, at a fresh repository.
    struct Setup {
        let home: URL
        let environment: [String: String]
        let image: String
        let data: URL
    }

    /// `registry`: where the config names the image (a proxy in front of the bed's registry).
    func setUp(_ label: String, registry: String? = nil) throws -> Setup {
        let home = try bed.makeTemporaryDirectory("mcp-\(label)")
        let image = "\(registry ?? bed.registry)/mcp/\(label)-\(UUID().uuidString.prefix(8).lowercased()):1"
        let config = home.appendingPathComponent("oubliette.jsonc")
        try "{ \"containers\": { \"custom\": \"\(image)\" }, \"update_check\": \"never\" }".write(to: config, atomically: true, encoding: .utf8)
        let data = home.appendingPathComponent("data")
        return Setup(
            home: home,
            environment: [
                "HOME": home.path, "OUBLIETTE_CONFIG": config.path, "OUBLIETTE_DATA_DIR": data.path,
                "DOCKER_HOST": bed.dockerHost, "OUBLIETTE_DEV": "",
                // The bed's dockerd runs without a bridge network.
                "OUBLIETTE_CONTAINER_NETWORK": "none", "OUBLIETTE_STOP_TIMEOUT": "5",
            ], image: image, data: data)
    }

    /// A running `oubliette serve` and an SDK client connected to it.
    struct Connection {
        let process: ServerProcess
        let client: Client

        func call(_ tool: String, _ arguments: [String: Value] = [:]) async throws -> (text: String, isError: Bool) {
            let result = try await client.callTool(name: tool, arguments: arguments)
            let text = result.content.compactMap { content -> String? in
                if case let .text(text, _, _) = content { return text }
                return nil
            }.joined(separator: "\n")
            return (text, result.isError ?? false)
        }

        func object(_ tool: String, _ arguments: [String: Value] = [:]) async throws -> [String: Any] {
            let (text, isError) = try await call(tool, arguments)
            #expect(!isError, "\(tool) failed: \(text)")
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(tool) returned \(text)")
        }

        /// Disconnects the client first, so nothing reads or writes the pipes once they are retired.
        func close() async -> Int32? {
            await client.disconnect()
            return await process.shutDown()
        }
    }

    func connect(_ setup: Setup) async throws -> Connection {
        let binary = TestImages.oublietteBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        let process = try ServerProcess(
            binary: binary.path, arguments: ["serve"], environment: setup.environment,
            stderrFile: setup.home.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log"))
        let client = Client(name: "oubliette-tests", version: "1")
        let transport = StdioTransport(
            input: FileDescriptor(rawValue: process.stdoutRead),
            output: FileDescriptor(rawValue: process.stdinWrite))
        try await client.connect(transport: transport)
        return Connection(process: process, client: client)
    }

    func docker() throws -> DockerRuntime {
        try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
    }

    @Test func projectLifecycleThroughTheTools() async throws {
        let setup = try setUp("lifecycle")
        let firstDigest = try await TestImages.push(setup.image, version: "v1.0.12", marker: "one", bed: bed)
        let server = try await connect(setup)

        let tools = try await server.client.listTools().tools.map(\.name).sorted()
        #expect(
            tools == [
                "container_refresh", "project_create", "project_delete", "project_get", "project_list",
                "project_options", "session_end", "session_list", "session_start",
            ])
        #expect(!tools.contains("image_rebuild"))

        let options = try await server.object("project_options")
        let types = (options["types"] as? [[String: Any]])?.compactMap { $0["type"] as? String }
        #expect(types == ["base", "custom", "dev"])

        // An unknown type is a tool error that lists the valid ones.
        let unknown = try await server.call("project_create", ["name": "demo", "type": "gpu"])
        #expect(unknown.isError)
        #expect(unknown.text.contains("unknown container type 'gpu'; valid types: base, custom, dev"), "\(unknown.text)")
        let missing = try await server.call("project_create", ["name": "demo"])
        #expect(missing.isError && missing.text.contains("needs the argument 'type'"), "\(missing.text)")

        // Create: the image is pulled (it was never pulled) and the container runs, labelled.
        let created = try await server.object("project_create", ["name": "demo", "type": "custom"])
        let projectID = try #require(created["id"] as? String)
        let firstContainer = try #require(created["container_id"] as? String)
        #expect(created["container_state"] as? String == "running")
        let engine = try docker()
        let inspected = try await engine.inspectContainer(firstContainer)
        #expect(inspected.state == .running)
        #expect(inspected.labels[ContainerSettings.projectLabel] == projectID)
        let pulled = try await engine.inspectImage(try ImageReference(parsing: setup.image))
        #expect(pulled.repoDigest(for: try ImageReference(parsing: setup.image))?.description == firstDigest)

        // Refresh is refused while a session is active, naming how many.
        let session = try await server.object("session_start", ["project_id": .string(projectID), "label": "tests"])
        let sessionID = try #require(session["id"] as? String)
        let listed = try await server.object("session_list", ["project_id": .string(projectID)])
        #expect((listed["projects"] as? [[String: Any]])?.first?["project_id"] as? String == projectID)
        let refused = try await server.call("container_refresh", ["project_id": .string(projectID)])
        #expect(refused.isError)
        #expect(refused.text.contains("has 1 active session"), "\(refused.text)")
        #expect(try await engine.inspectContainer(firstContainer).state == .running, "a refused refresh must not touch the container")

        // A new push of the same tag, then refresh after the session ends: new container, new digest.
        let secondDigest = try await TestImages.push(setup.image, version: "v1.0.13", marker: "two", bed: bed)
        #expect(secondDigest != firstDigest)
        _ = try await server.object("session_end", ["session_id": .string(sessionID)])
        let ended = try await server.call("session_end", ["session_id": .string(sessionID)])
        #expect(ended.isError && ended.text.contains("no active session"), "\(ended.text)")
        let refreshed = try await server.object("container_refresh", ["project_id": .string(projectID)])
        let secondContainer = try #require(refreshed["new_container_id"] as? String)
        #expect(refreshed["old_container_id"] as? String == firstContainer)
        #expect(secondContainer != firstContainer)
        #expect(refreshed["digest"] as? String == secondDigest)
        #expect((refreshed["steps"] as? [String])?.last == "Done.")
        #expect(try await engine.inspectContainer(secondContainer).state == .running)
        await #expect(throws: RuntimeError.self) { try await engine.inspectContainer(firstContainer) }

        // Projects survive a server restart.
        #expect(await server.close() == 0)
        let restarted = try await connect(setup)
        let list = try await restarted.object("project_list")
        let projects = try #require(list["projects"] as? [[String: Any]])
        #expect(projects.count == 1)
        #expect(projects.first?["id"] as? String == projectID)
        #expect(projects.first?["container_id"] as? String == secondContainer)
        #expect(projects.first?["active_sessions"] as? Int == 0)
        let got = try await restarted.object("project_get", ["project_id": .string(projectID)])
        #expect(got["container_state"] as? String == "running")

        // Delete removes the container and the record.
        _ = try await restarted.object("project_delete", ["project_id": .string(projectID)])
        let leftovers = try await engine.listContainers(labels: [ContainerSettings.projectLabel: projectID])
        #expect(leftovers.isEmpty, "project_delete must remove the container: \(leftovers)")
        let gone = try await restarted.call("project_get", ["project_id": .string(projectID)])
        #expect(gone.isError && gone.text.contains("no project with id '\(projectID)'"), "\(gone.text)")
        #expect(await restarted.close() == 0)
    }

    @Test func sigtermStopsTheServerCleanly() async throws {
        let setup = try setUp("sigterm")
        let server = try await connect(setup)
        _ = try await server.object("project_list")
        server.process.signal(SIGTERM)
        let status = await server.process.waitForExit(seconds: 10)
        #expect(status == 0, "serve should exit 0 on SIGTERM; stderr: \(server.process.stderr)")
        await server.client.disconnect()
        if status == nil { _ = await server.process.shutDown() }
        server.process.closeStdin()
        server.process.retireStdout()
    }

    /// The readiness line is printed only once SIGINT/SIGTERM are handled, so a SIGTERM
    /// sent the moment it appears is never lost (it used to be, while libdispatch had not
    /// yet installed its handler: no exit, empty stderr).
    @Test func sigtermRightAfterReadinessAlwaysStopsCleanly() async throws {
        let setup = try setUp("sigterm-early")
        let binary = TestImages.oublietteBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        for signal in Array(repeating: SIGTERM, count: 20) + [SIGINT, SIGINT] {
            let process = try ServerProcess(
                binary: binary.path, arguments: ["serve"], environment: setup.environment,
                stderrFile: setup.home.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log"))
            let ready = await process.waitForStderrLine(prefix: "serving MCP on stdio", seconds: 20)
            #expect(ready != nil, "no readiness line: \(process.stderr)")
            process.signal(signal)
            let status = await process.waitForExit(seconds: 10)
            if status == nil {
                process.signal(SIGKILL)
                _ = await process.waitForExit(seconds: 5)
            }
            process.closeStdin()
            process.retireStdout()
            #expect(status == 0, "signal \(signal): exit \(String(describing: status)); stderr: \(process.stderr)")
            if status != 0 { break }
        }
    }

    /// Names, labels and the number of sessions per project are capped; past a cap the
    /// tool answers isError with the limit and what to do.
    @Test func limitsAreToolErrorsWithTheReason() async throws {
        let setup = try setUp("limits")
        try await TestImages.push(setup.image, version: "v1.0.0", marker: "limits", bed: bed)
        let server = try await connect(setup)

        let longName = String(repeating: "n", count: Project.maximumNameLength + 1)
        let named = try await server.call("project_create", ["name": .string(longName), "type": "custom"])
        #expect(named.isError && named.text.contains("longer than \(Project.maximumNameLength) characters"), "\(named.text)")
        #expect(!named.text.contains(longName), "the error quotes a prefix, not the whole name")

        let created = try await server.object("project_create", ["name": "limits", "type": "custom"])
        let projectID = try #require(created["id"] as? String)

        let longLabel = String(repeating: "l", count: Session.maximumLabelLength + 1)
        let labelled = try await server.call("session_start", ["project_id": .string(projectID), "label": .string(longLabel)])
        #expect(labelled.isError && labelled.text.contains("the limit is \(Session.maximumLabelLength)"), "\(labelled.text)")
        let fits = try await server.object(
            "session_start",
            [
                "project_id": .string(projectID),
                "label": .string(String(repeating: "l", count: Session.maximumLabelLength)),
            ])
        var sessions = [try #require(fits["id"] as? String)]
        for _ in 1..<Project.maximumActiveSessions {
            sessions.append(try #require(try await server.object("session_start", ["project_id": .string(projectID)])["id"] as? String))
        }
        let over = try await server.call("session_start", ["project_id": .string(projectID)])
        #expect(over.isError, "session \(Project.maximumActiveSessions + 1) must be refused")
        #expect(
            over.text.contains("already has \(Project.maximumActiveSessions) active sessions") && over.text.contains("session_end"),
            "\(over.text)")
        // Ending one makes room again.
        _ = try await server.object("session_end", ["session_id": .string(sessions[0])])
        _ = try await server.object("session_start", ["project_id": .string(projectID)])

        _ = try await server.object("project_delete", ["project_id": .string(projectID)])
        #expect(await server.close() == 0)
    }
}
