import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Projects and active sessions in `projects.json` in the data directory.
///
/// Every change re-reads the file under an exclusive `flock` on `projects.lock`, so the
/// server and a CLI run at the same time do not lose each other's updates, and is written
/// with ``AtomicFile`` (temp + rename) so a crash never leaves half a file.
public actor ProjectStore {
    public let file: URL
    private let lockFile: URL

    struct Records: Codable, Equatable {
        var projects: [Project] = []
        var sessions: [Session] = []
    }

    public init(dataDirectory: URL) {
        file = dataDirectory.appendingPathComponent("projects.json")
        lockFile = dataDirectory.appendingPathComponent("projects.lock")
    }

    // MARK: Reading

    public func projects() throws(ProjectError) -> [Project] {
        try read().projects.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func project(id: String) throws(ProjectError) -> Project {
        let records = try read()
        guard let project = records.projects.first(where: { $0.id == id }) else {
            throw .projectNotFound(id, known: records.projects.map(\.id).sorted())
        }
        return project
    }

    /// Active sessions, of one project when `projectID` is given, oldest first.
    public func sessions(projectID: String? = nil) throws(ProjectError) -> [Session] {
        try read().sessions
            .filter { projectID == nil || $0.projectID == projectID }
            .sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
    }

    // MARK: Changing

    /// Adds `project`; refuses a second project with the same name, or a name that is
    /// empty or longer than ``Project/maximumNameLength``.
    public func add(_ project: Project) throws(ProjectError) {
        guard !project.name.isEmpty, project.name.count <= Project.maximumNameLength else {
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
    public func update(_ project: Project) throws(ProjectError) {
        try modify { records throws(ProjectError) in
            guard let index = records.projects.firstIndex(where: { $0.id == project.id }) else {
                throw .projectNotFound(project.id, known: records.projects.map(\.id).sorted())
            }
            records.projects[index] = project
        }
    }

    /// Removes a project and its sessions.
    public func remove(id: String) throws(ProjectError) {
        try modify { records throws(ProjectError) in
            guard records.projects.contains(where: { $0.id == id }) else {
                throw .projectNotFound(id, known: records.projects.map(\.id).sorted())
            }
            records.projects.removeAll { $0.id == id }
            records.sessions.removeAll { $0.projectID == id }
        }
    }

    /// Starts a session; refuses a label longer than ``Session/maximumLabelLength`` and a
    /// project that already has ``Project/maximumActiveSessions`` (checked under the lock,
    /// so concurrent starts cannot overshoot).
    public func startSession(projectID: String, label: String?, now: Date = Date()) throws(ProjectError) -> Session {
        if let label, label.count > Session.maximumLabelLength { throw .labelTooLong(length: label.count) }
        // Whole seconds: the file stores ISO 8601 without fractions, so what is returned equals what is read back.
        let session = Session(id: "s-\(UUID().uuidString.lowercased().prefix(12))", projectID: projectID, label: label,
                              startedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)))
        try modify { records throws(ProjectError) in
            guard records.projects.contains(where: { $0.id == projectID }) else {
                throw .projectNotFound(projectID, known: records.projects.map(\.id).sorted())
            }
            let active = records.sessions.count { $0.projectID == projectID }
            guard active < Project.maximumActiveSessions else { throw .tooManySessions(projectID: projectID, active: active) }
            records.sessions.append(session)
        }
        return session
    }

    @discardableResult
    public func endSession(id: String) throws(ProjectError) -> Session {
        var ended: Session?
        try modify { records throws(ProjectError) in
            guard let index = records.sessions.firstIndex(where: { $0.id == id }) else { throw .sessionNotFound(id) }
            ended = records.sessions.remove(at: index)
        }
        guard let ended else { throw .sessionNotFound(id) }
        return ended
    }

    // MARK: File access

    private func read() throws(ProjectError) -> Records {
        try withLock { () throws(ProjectError) in try load() }
    }

    private func modify(_ change: (inout Records) throws(ProjectError) -> Void) throws(ProjectError) {
        try withLock { () throws(ProjectError) in
            var records = try load()
            try change(&records)
            try save(records)
        }
    }

    private func load() throws(ProjectError) -> Records {
        guard FileManager.default.fileExists(atPath: file.path) else { return Records() }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Records.self, from: Data(contentsOf: file))
        } catch {
            throw .unreadable(path: file.path, reason: error.localizedDescription)
        }
    }

    private func save(_ records: Records) throws(ProjectError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try AtomicFile.write(try encoder.encode(records), to: file)
        } catch {
            throw .unwritable(path: file.path, reason: error.localizedDescription)
        }
    }

    /// Holds an exclusive advisory lock on `projects.lock` for the duration of `body`.
    private func withLock<T>(_ body: () throws(ProjectError) -> T) throws(ProjectError) -> T {
        do {
            try OubliettePaths.ensurePrivateDirectory(file.deletingLastPathComponent())
        } catch {
            throw .unwritable(path: file.path, reason: error.localizedDescription)
        }
        let descriptor = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .unwritable(path: lockFile.path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .unwritable(path: lockFile.path, reason: String(cString: strerror(errno))) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
