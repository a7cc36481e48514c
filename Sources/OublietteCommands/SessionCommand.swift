import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore
import TerminalProgress

/// Agent sessions from the command line: errors that say "end its sessions first" can be
/// acted on without an agent.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "List or end the agent sessions that keep a project's container in use.",
        discussion: """
            Agents start sessions through the MCP server (session_start). While a project has an \
            active session its container is not refreshed or replaced; `oubliette session end ID` \
            ends one (the agent's work in the container is not touched).
            """,
        subcommands: [List.self, End.self]
    )

    struct List: LoggedCommand {
        static let configuration = CommandConfiguration(abstract: "Show active sessions: SESSION ID, PROJECT, STARTED, LABEL.")

        @Option(help: "Only this project's sessions.")
        var project: String?

        @OptionGroup var jsonOutput: JSONOutputOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let store = try CommandContext.services().projectStore
            // An unknown project is an error, not an empty list.
            if let project { _ = try await store.project(id: project) }
            let sessions = try await store.sessions(projectID: project)
            if jsonOutput.json { return try Output.json(sessions.map(SessionRow.init)) }
            if sessions.isEmpty { return Output.line(project.map { "No active sessions in \($0)." } ?? "No active sessions.") }
            let formatter = ISO8601DateFormatter()
            let rows = sessions.map { [$0.id, $0.projectID, formatter.string(from: $0.startedAt), $0.label ?? ""] }
            Output.line(TextTable(header: ["SESSION ID", "PROJECT", "STARTED", "LABEL"], rows: rows).rendered)
        }
    }

    struct End: LoggedCommand {
        static let configuration = CommandConfiguration(abstract: "End a session (see `oubliette session list`).")

        @Argument(help: "The session to end.")
        var sessionID: String

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let store = try CommandContext.services().projectStore
            let ended = try await store.endSession(id: sessionID)
            Output.line("Ended session \(ended.id) of project \(ended.projectID).")
        }
    }
}

/// A session as `session list --json` prints it.
struct SessionRow: Encodable {
    let id: String
    let projectID: String
    let label: String?
    let startedAt: Date

    init(_ session: Session) {
        id = session.id
        projectID = session.projectID
        label = session.label
        startedAt = session.startedAt
    }
}
