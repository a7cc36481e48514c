import OublietteCore

/// The running containers a command is about to stop, with their projects' active sessions,
/// for the question asked first.
struct RunningContainers {
    struct Entry {
        let projectID: String
        let sessions: Int
    }

    let entries: [Entry]
    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    var withoutSessions: RunningContainers { RunningContainers(entries: entries.filter { $0.sessions == 0 }) }

    /// `project P is running with 1 active session`, `2 projects are running: P (1 active session), Q`.
    var summary: String {
        func sessions(_ count: Int) -> String { "\(count) active session\(count == 1 ? "" : "s")" }
        if entries.count == 1, let only = entries.first {
            return "project \(only.projectID) is running" + (only.sessions > 0 ? " with \(sessions(only.sessions))" : "")
        }
        let listed = entries.map { $0.projectID + ($0.sessions > 0 ? " (\(sessions($0.sessions)))" : "") }
        return "\(entries.count) projects are running: \(listed.joined(separator: ", "))"
    }

    /// The running containers of `projectIDs` (every project when nil), of `types` when given.
    static func find(_ services: OublietteServices, projectIDs: [String]?, types: [String]? = nil) async throws -> RunningContainers {
        let containers = try await services.lifecycle.containers().filter { container in
            container.state == .running && (projectIDs.map { $0.contains(container.projectID) } ?? true)
                && (types.map { $0.contains(container.type) } ?? true)
        }
        let sessions = try await services.projectStore.sessions()
        let projects = Set(containers.map(\.projectID)).sorted()
        return RunningContainers(
            entries: projects.map { id in Entry(projectID: id, sessions: sessions.count { $0.projectID == id }) })
    }
}
