import Foundation
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Projects and active sessions in `projects.json` in the data directory.
///
/// Kept through the one state-file mechanism (``JSONStateFile``): every change re-reads the
/// file under an exclusive lock, so the server and a CLI run at the same time do not lose each
/// other's updates, and writes are atomic, so a crash never leaves half a file.
package actor ProjectStore {
    package nonisolated let file: URL
    private let state: JSONStateFile<Records>

    struct Records: Codable, Equatable {
        var projects: [Project] = []
        var sessions: [Session] = []
    }

    package init(dataDirectory: URL) {
        file = dataDirectory.appendingPathComponent("projects.json")
        state = JSONStateFile(file, empty: { Records() })
    }

    // MARK: Reading

    package func projects() throws(ProjectError) -> [Project] {
        try read().projects.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    package func project(id: String) throws(ProjectError) -> Project {
        let records = try read()
        guard let project = records.projects.first(where: { $0.id == id }) else {
            throw .projectNotFound(id, known: records.projects.map(\.id).sorted())
        }
        return project
    }

    /// Active sessions, of one project when `projectID` is given, oldest first.
    package func sessions(projectID: String? = nil) throws(ProjectError) -> [Session] {
        try read().sessions
            .filter { projectID == nil || $0.projectID == projectID }
            .sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    // MARK: Changing

    /// Adds `project`; refuses a second project with the same name, or a name that is
    /// empty or longer than ``Project/maximumNameLength``.
    package func add(_ project: Project) throws(ProjectError) {
        guard Project.isAcceptableName(project.name) else {
            throw .invalidName(project.name)
        }
        try modify { records throws(ProjectError) in
            if let existing = records.projects.first(where: { $0.name == project.name }) {
                throw .duplicateName(project.name, id: existing.id)
            }
            records.projects.append(project)
        }
    }

    /// Replaces the stored project with the same ID.
    package func update(_ project: Project) throws(ProjectError) {
        try modify { records throws(ProjectError) in
            guard let index = records.projects.firstIndex(where: { $0.id == project.id }) else {
                throw .projectNotFound(project.id, known: records.projects.map(\.id).sorted())
            }
            records.projects[index] = project
        }
    }

    /// Removes a project and its sessions; refused while its container is being replaced.
    package func remove(id: String, now: Date = Date()) throws(ProjectError) {
        try modify { records throws(ProjectError) in
            guard let project = records.projects.first(where: { $0.id == id }) else {
                throw .projectNotFound(id, known: records.projects.map(\.id).sorted())
            }
            if let replacement = project.replacement, !replacement.isStale(now: now) {
                throw .containerBeingReplaced(project: id, since: replacement.startedAt)
            }
            records.projects.removeAll { $0.id == id }
            records.sessions.removeAll { $0.projectID == id }
        }
    }

    /// Starts a session; refuses a label longer than ``Session/maximumLabelLength`` and a
    /// project that already has ``Project/maximumActiveSessions`` (checked under the lock,
    /// so concurrent starts cannot overshoot).
    package func startSession(projectID: String, label: String?, now: Date = Date()) throws(ProjectError) -> Session {
        if let label, label.utf8.count > Session.maximumLabelBytes || label.count > Session.maximumLabelLength {
            // Past the byte cap the characters are not even counted.
            throw .labelTooLong(length: label.utf8.count > Session.maximumLabelBytes ? label.utf8.count : label.count)
        }
        // Whole seconds: the file stores ISO 8601 without fractions, so what is returned equals what is read back.
        let session = Session(
            id: "s-\(UUID().uuidString.lowercased().prefix(12))", projectID: projectID, label: label,
            startedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)))
        try modify { records throws(ProjectError) in
            guard let project = records.projects.first(where: { $0.id == projectID }) else {
                throw .projectNotFound(projectID, known: records.projects.map(\.id).sorted())
            }
            // Never a session in a container that is about to be removed.
            if let replacement = project.replacement, !replacement.isStale(now: now) {
                throw .containerBeingReplaced(project: projectID, since: replacement.startedAt)
            }
            let active = records.sessions.count { $0.projectID == projectID }
            guard active < Project.maximumActiveSessions else { throw .tooManySessions(projectID: projectID, active: active) }
            records.sessions.append(session)
        }
        return session
    }

    // MARK: Replacing a container

    /// Marks `projectID`'s container as being replaced, after re-checking under the lock that
    /// no session is active and no other replacement is under way. The same lock guards
    /// `startSession`, so no session can start between this check and the replacement.
    @discardableResult
    package func beginReplacement(
        projectID: String, now: Date = Date(),
        processID: Int32 = ProcessInfo.processInfo.processIdentifier
    ) throws(ProjectError) -> Project {
        try modify { records throws(ProjectError) in
            guard let index = records.projects.firstIndex(where: { $0.id == projectID }) else {
                throw .projectNotFound(projectID, known: records.projects.map(\.id).sorted())
            }
            let sessions = records.sessions.filter { $0.projectID == projectID }.count
            if sessions > 0 { throw .activeSessions(project: projectID, count: sessions) }
            if let existing = records.projects[index].replacement, !existing.isStale(now: now) {
                throw .containerBeingReplaced(project: projectID, since: existing.startedAt)
            }
            records.projects[index].replacement = Project.Replacement(startedAt: now, processID: processID)
            return records.projects[index]
        }
    }

    /// Clears the mark, recording the new container (nil when the replacement failed).
    package func finishReplacement(projectID: String, containerID: String?, image: String?) throws(ProjectError) {
        try modify { records throws(ProjectError) in
            guard let index = records.projects.firstIndex(where: { $0.id == projectID }) else {
                throw .projectNotFound(projectID, known: records.projects.map(\.id).sorted())
            }
            records.projects[index].replacement = nil
            if let containerID { records.projects[index].containerID = containerID }
            if let image { records.projects[index].image = image }
        }
    }

    @discardableResult
    package func endSession(id: String) throws(ProjectError) -> Session {
        var ended: Session?
        try modify { records throws(ProjectError) in
            guard let index = records.sessions.firstIndex(where: { $0.id == id }) else { throw .sessionNotFound(id) }
            ended = records.sessions.remove(at: index)
        }
        guard let ended else { throw .sessionNotFound(id) }
        return ended
    }

    // MARK: File access

    /// Writes are atomic renames, so a read without the lock still sees one whole state;
    /// every decision that must hold until a change is made is made inside `modify`.
    private func read() throws(ProjectError) -> Records {
        do { return try state.read() } catch { throw .unreadable(path: file.path, reason: error.description) }
    }

    @discardableResult
    private func modify<T>(_ change: (inout Records) throws(ProjectError) -> T) throws(ProjectError) -> T {
        do {
            return try state.update { records in try change(&records) }
        } catch let error as ProjectError {
            throw error
        } catch {
            throw .unwritable(path: file.path, reason: describe(error))
        }
    }
}
