import Foundation
import SystemSupport

/// A throwaway git repository driven with the git CLI (tests may use it; the code under
/// test reads it through libgit2 only).
struct GitFixture {
    let root: URL

    init() async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("releasekit-git-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try await git("init", "-q", "-b", "main")
        try await git("config", "user.email", "test@example.invalid")
        try await git("config", "user.name", "Test")
        try await git("config", "commit.gpgsign", "false")
        try await git("config", "tag.gpgsign", "false")
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Commits everything with a fixed committer date so commit times are predictable.
    @discardableResult
    func commit(_ message: String, date: String = "2024-05-06T07:08:09Z") async throws -> String {
        try await git("add", "-A")
        try await git("commit", "-q", "--allow-empty", "-m", message, environment: ["GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date])
        return try await git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func tag(_ name: String, annotated: Bool = false) async throws {
        if annotated { try await git("tag", "-a", name, "-m", "release \(name)") } else { try await git("tag", name) }
    }

    @discardableResult
    func git(_ arguments: String..., environment: [String: String] = [:]) async throws -> String {
        let request = ProcessRequest(
            "/usr/bin/git", ["-C", root.path] + arguments, environment: .inherit(adding: environment),
            timeout: .seconds(60))
        let result = try await ProcessRunner().run(request)
        let output = result.combinedText
        guard result.exitCode == 0 else {
            throw NSError(
                domain: "git", code: Int(result.exitCode),
                userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")): \(output)"])
        }
        return output
    }
}
