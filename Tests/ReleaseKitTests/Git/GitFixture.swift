import Foundation
import SystemSupport

/// A throwaway git repository driven with the git CLI (tests may use it; the code under
/// test reads it through libgit2 only).
struct GitFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("releasekit-git-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
        try git("config", "user.email", "test@example.invalid")
        try git("config", "user.name", "Test")
        try git("config", "commit.gpgsign", "false")
        try git("config", "tag.gpgsign", "false")
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Commits everything with a fixed committer date so commit times are predictable.
    @discardableResult
    func commit(_ message: String, date: String = "2024-05-06T07:08:09Z") throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "--allow-empty", "-m", message, environment: ["GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date])
        return try git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func tag(_ name: String, annotated: Bool = false) throws {
        if annotated { try git("tag", "-a", name, "-m", "release \(name)") } else { try git("tag", name) }
    }

    @discardableResult
    func git(_ arguments: String..., environment: [String: String] = [:]) throws -> String {
        let request = ProcessRequest(
            "/usr/bin/git", ["-C", root.path] + arguments, environment: .inherit(adding: environment),
            timeout: .seconds(60))
        let result = try ProcessRunner().runSynchronously(request)
        let output = result.combinedText
        guard result.exitCode == 0 else {
            throw NSError(
                domain: "git", code: Int(result.exitCode),
                userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")): \(output)"])
        }
        return output
    }
}
