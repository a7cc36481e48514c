import Foundation
import SystemSupport

/// Why a project or session operation failed; each message says what to do next.
package enum ProjectError: Error, Equatable, Sendable, DescribedError {
    case projectNotFound(String, known: [String])
    case sessionNotFound(String)
    case invalidName(String)
    case duplicateName(String, id: String)
    case labelTooLong(length: Int)
    case tooManySessions(projectID: String, active: Int)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// Another refresh or update is replacing the project's container right now.
    case containerBeingReplaced(project: String, since: Date)
    /// The container cannot be replaced: sessions are active (re-checked under the store's lock).
    case activeSessions(project: String, count: Int)

    package var description: String {
        switch self {
        case let .projectNotFound(id, known):
            let list = known.isEmpty ? "there are no projects yet (create one with project_create)" : "known projects: \(known.joined(separator: ", "))"
            return "no project with id '\(id)'; \(list)"
        case let .sessionNotFound(id):
            return "no active session with id '\(id)'; list active sessions with session_list (it may already have ended)"
        case let .invalidName(name):
            let shown = name.utf8.count > 40 ? "\(String(name.unicodeScalars.prefix(40)))…" : name
            let given = name.utf8.count > Project.maximumNameBytes ? "\(name.utf8.count) bytes" : "\(name.count) characters"
            return "project name '\(shown)' is empty or longer than \(Project.maximumNameLength) characters "
                + "or \(Project.maximumNameBytes) UTF-8 bytes (\(given) given); give a short descriptive name"
        case let .labelTooLong(length):
            return "session label is \(length) characters (or UTF-8 bytes) long; the limit is \(Session.maximumLabelLength) characters "
                + "and \(Session.maximumLabelBytes) bytes: "
                + "give a short description of the task"
        case let .tooManySessions(projectID, active):
            return "project \(projectID) already has \(active) active sessions (the limit is "
                + "\(Project.maximumActiveSessions)); end finished ones with session_end (list them with session_list)"
        case let .duplicateName(name, id):
            return "a project named '\(name)' already exists (id \(id)); pick another name or use that project"
        case let .unreadable(path, reason):
            return "cannot read project records \(path): \(reason); fix or move the file aside (containers are not affected)"
        case let .unwritable(path, reason):
            return "cannot write project records \(path): \(reason); check the data directory's permissions and free space"
        case let .containerBeingReplaced(project, since):
            return "project \(project)'s container is being replaced (since \(since.formatted(.iso8601))); try again in a moment"
        case let .activeSessions(project, count):
            return LifecycleError.activeSessions(project: project, count: count).description
        }
    }

}
