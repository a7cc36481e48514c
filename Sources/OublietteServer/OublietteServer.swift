import Foundation
import ImageCatalogue
import MCP
import OCIDistribution
import OublietteCore
import SystemSupport

/// Oubliette's MCP server: project, session and container tools over a ``ProjectManager``.
///
/// Tool failures (unknown type, active sessions, engine errors) come back as MCP tool
/// results with `isError: true` and readable text, never as protocol errors, so an agent
/// sees what to do next. Results are JSON text.
package struct OublietteMCPServer: Sendable {
    package static let name = "oubliette"

    package let manager: ProjectManager

    package init(manager: ProjectManager) {
        self.manager = manager
    }

    /// The tools this server offers.
    package static var tools: [Tool] { ToolCatalog.all }

    /// An SDK server with the tool handlers registered (not yet started).
    package func makeServer() async -> Server {
        let server = Server(
            name: Self.name, version: OublietteVersion.current,
            instructions: "Create a project (project_create) with a container type from project_options, "
                + "start a session (session_start) while you work in it, end it (session_end) when done.",
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: Self.tools) }
        await server.withMethodHandler(CallTool.self) { params in await self.call(params) }
        return server
    }

    /// Serves on `transport` until the peer disconnects (stdin closes) or the task is cancelled.
    package func run(transport: any Transport) async throws {
        let server = await makeServer()
        try await server.start(transport: transport)
        await withTaskCancellationHandler {
            await server.waitUntilCompleted()
        } onCancel: {
            Task { await server.stop() }
        }
        await server.stop()
    }

    /// Serves on stdin/stdout until stdin closes (every request read by then answered) or
    /// the task is cancelled. `onDrain` hears about replies still owed when stdin closed.
    package func runOnStdio(onDrain: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        try await run(transport: DrainingStdioTransport(onDrain: onDrain))
    }

    /// Runs one tool call; every failure becomes an error result with the reason.
    package func call(_ params: CallTool.Parameters) async -> CallTool.Result {
        do {
            let text = try await dispatch(params.name, params.arguments)
            return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false)
        } catch {
            let message = describe(error)
            return CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
        }
    }

    private func dispatch(_ name: String, _ raw: [String: Value]?) async throws -> String {
        func arguments(_ allowed: [String]) throws -> ToolArguments {
            try ToolArguments(tool: name, values: raw, allowed: allowed)
        }
        switch name {
        case "project_options":
            _ = try arguments([])
            let options = manager.options().map { TypeOption(type: $0.type, image: $0.reference.description, source: $0.origin.description) }
            return try Self.json(["types": options])
        case "project_create":
            let args = try arguments(["name", "type"])
            let name = try args.string("name"), type = try args.string("type")
            return try Self.json(try await manager.create(name: name, type: type))
        case "project_list":
            _ = try arguments([])
            return try Self.json(["projects": try await manager.list()])
        case "project_get":
            let args = try arguments(["project_id"])
            return try Self.json(try await manager.get(id: try args.string("project_id")))
        case "project_delete":
            let args = try arguments(["project_id"])
            let deleted = try await manager.delete(id: try args.string("project_id"))
            return try Self.json(Deleted(deleted: deleted.id, containerRemoved: deleted.containerID))
        case "session_start":
            let args = try arguments(["project_id", "label"])
            return try Self.json(try await manager.startSession(projectID: try args.string("project_id"), label: try args.optionalString("label")))
        case "session_end":
            let args = try arguments(["session_id"])
            return try Self.json(["ended": try await manager.endSession(id: try args.string("session_id"))])
        case "session_list":
            let args = try arguments(["project_id"])
            let grouped = try await manager.activeSessions(projectID: try args.optionalString("project_id"))
            let projects = grouped.keys.sorted().map { SessionGroup(projectID: $0, sessions: grouped[$0] ?? []) }
            return try Self.json(["projects": projects])
        case "container_refresh":
            let args = try arguments(["project_id"])
            let steps = StepLog()
            let result = try await manager.refresh(projectID: try args.string("project_id")) { event in
                if case let .step(text) = event { steps.append(text) }
            }
            return try Self.json(Refreshed(result: result, steps: steps.lines))
        default:
            throw ToolCallError.unknownTool(name, known: Self.tools.map(\.name))
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        try JSONCoding.text(value, as: .pretty)
    }
}

extension ToolCallError: LocalizedError {
}

private struct TypeOption: Encodable {
    let type: String
    let image: String
    let source: String
}

private struct Deleted: Encodable {
    let deleted: String
    let containerRemoved: String?
    enum CodingKeys: String, CodingKey { case deleted, containerRemoved = "container_removed" }
}

private struct SessionGroup: Encodable {
    let projectID: String
    let sessions: [Session]
    enum CodingKeys: String, CodingKey { case projectID = "project_id", sessions }
}

private struct Refreshed: Encodable {
    let result: RefreshResult
    let steps: [String]
    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
    }
    enum CodingKeys: String, CodingKey { case steps }
}

/// Collects step lines from a refresh's event callback, which may run on any thread.
private final class StepLog: @unchecked Sendable {
    // Guarded by `lock`.
    private var stored: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
