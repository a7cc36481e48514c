import Foundation
import SystemSupport
import Testing

@testable import OublietteCore

@Suite("Project records")
struct ProjectStoreTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("projects-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func project(_ name: String, id: String? = nil) -> Project {
        Project(
            id: id ?? Project.makeID(name: name), name: name, type: "base", image: "ghcr.io/x/base:latest",
            createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func projectsAndSessionsSurviveANewStore() async throws {
        let directory = try temporaryDirectory()
        let first = ProjectStore(dataDirectory: directory)
        let demo = project("demo")
        try await first.add(demo)
        let session = try await first.startSession(projectID: demo.id, label: "task")

        let second = ProjectStore(dataDirectory: directory)
        #expect(try await second.projects() == [demo])
        #expect(try await second.sessions(projectID: demo.id).map(\.id) == [session.id])
        #expect(try await second.sessions(projectID: "other").isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func duplicateNamesAndUnknownIDsAreRefusedWithTheReason() async throws {
        let store = ProjectStore(dataDirectory: try temporaryDirectory())
        let demo = project("demo")
        try await store.add(demo)
        await #expect(throws: ProjectError.duplicateName("demo", id: demo.id)) { try await store.add(project("demo")) }
        await #expect(throws: ProjectError.projectNotFound("nope", known: [demo.id])) { try await store.project(id: "nope") }
        await #expect(throws: ProjectError.self) { try await store.startSession(projectID: "nope", label: nil) }
        await #expect(throws: ProjectError.sessionNotFound("s-missing")) { try await store.endSession(id: "s-missing") }
    }

    @Test func endingAndRemovingDropSessions() async throws {
        let store = ProjectStore(dataDirectory: try temporaryDirectory())
        let demo = project("demo")
        try await store.add(demo)
        let one = try await store.startSession(projectID: demo.id, label: nil)
        _ = try await store.startSession(projectID: demo.id, label: nil)
        #expect(try await store.endSession(id: one.id) == one)
        #expect(try await store.sessions(projectID: demo.id).count == 1)
        try await store.remove(id: demo.id)
        #expect(try await store.projects().isEmpty)
        #expect(try await store.sessions().isEmpty, "sessions go with their project")
    }

    @Test func concurrentWritersLoseNothing() async throws {
        let directory = try temporaryDirectory()
        let demo = project("demo")
        try await ProjectStore(dataDirectory: directory).add(demo)
        // Separate store instances stand in for the server and a CLI run writing at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { _ = try await ProjectStore(dataDirectory: directory).startSession(projectID: demo.id, label: nil) }
            }
            try await group.waitForAll()
        }
        #expect(try await ProjectStore(dataDirectory: directory).sessions().count == 20)
    }

    @Test func aCorruptFileIsReportedNotReplaced() async throws {
        let directory = try temporaryDirectory()
        let file = directory.appendingPathComponent("projects.json")
        try Data("{ not json".utf8).write(to: file)
        let store = ProjectStore(dataDirectory: directory)
        await #expect(throws: ProjectError.self) { try await store.add(project("demo")) }
        #expect(try String(contentsOf: file, encoding: .utf8) == "{ not json")
    }

    @Test func idsAreSlugsWithASuffix() {
        #expect(Project.makeID(name: "My App!", suffix: "abc123") == "my-app-abc123")
        #expect(Project.makeID(name: "  --  ", suffix: "abc123") == "project-abc123")
        #expect(Project.makeID(name: "Ünïcode  and spaces", suffix: "x") == "n-code-and-spaces-x")
        #expect(Project.makeID(name: "demo") != Project.makeID(name: "demo"))
    }

    @Test("names and labels are capped in UTF-8 bytes too: one character of 10,000 combining marks is refused")
    func capsCountBytesNotOnlyCharacters() async throws {
        let store = ProjectStore(dataDirectory: try temporaryDirectory())
        let demo = project("demo")
        try await store.add(demo)
        let heavy = "e" + String(repeating: "\u{301}", count: 10_000)
        #expect(heavy.count == 1)
        await #expect(throws: ProjectError.labelTooLong(length: heavy.utf8.count)) {
            try await store.startSession(projectID: demo.id, label: heavy)
        }
        await #expect(throws: ProjectError.self) {
            try await store.add(project(heavy))
        }
        #expect(ProjectError.invalidName(heavy).description.contains("UTF-8 bytes (20001 bytes given)"))
        // Within both caps, accented text is fine.
        _ = try await store.startSession(projectID: demo.id, label: String(repeating: "é", count: Session.maximumLabelLength))
    }

    @Test func labelsNamesAndSessionCountsAreCapped() async throws {
        let store = ProjectStore(dataDirectory: try temporaryDirectory())
        let demo = project("demo")
        try await store.add(demo)
        await #expect(throws: ProjectError.invalidName(String(repeating: "x", count: Project.maximumNameLength + 1))) {
            try await store.add(project(String(repeating: "x", count: Project.maximumNameLength + 1)))
        }
        try await store.add(project(String(repeating: "x", count: Project.maximumNameLength)))

        let tooLong = String(repeating: "é", count: Session.maximumLabelLength + 1)
        await #expect(throws: ProjectError.labelTooLong(length: Session.maximumLabelLength + 1)) {
            try await store.startSession(projectID: demo.id, label: tooLong)
        }
        _ = try await store.startSession(projectID: demo.id, label: String(tooLong.dropLast()))
        for _ in 1..<Project.maximumActiveSessions { _ = try await store.startSession(projectID: demo.id, label: nil) }
        await #expect(throws: ProjectError.tooManySessions(projectID: demo.id, active: Project.maximumActiveSessions)) {
            try await store.startSession(projectID: demo.id, label: nil)
        }
        #expect(try await store.sessions(projectID: demo.id).count == Project.maximumActiveSessions)
        let message = ProjectError.tooManySessions(projectID: demo.id, active: 64).description
        #expect(message.contains("limit is \(Project.maximumActiveSessions)") && message.contains("session_end"))
    }

    /// Whoever writes first creates the data directory, and it is private.
    @Test func theStoreCreatesThePrivateDataDirectory() async throws {
        let data = try temporaryDirectory().appendingPathComponent("nested/data")
        try await ProjectStore(dataDirectory: data).add(project("demo"))
        let mode = try FileManager.default.attributesOfItem(atPath: data.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        // An existing directory is left alone, and a file in the way is named.
        try OubliettePaths.ensurePrivateDirectory(data)
        let file = data.appendingPathComponent("projects.json")
        #expect(throws: PrivateDirectoryError.notADirectory(path: file.path)) { try OubliettePaths.ensurePrivateDirectory(file) }
    }
}
