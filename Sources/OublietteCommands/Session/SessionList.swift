import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore
import TerminalProgress

extension SessionCommand {
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
