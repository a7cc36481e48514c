import Foundation
import SystemSupport
import Testing

@testable import ReleaseKit

/// `release-tool workflow --check` prints a unified diff that the standard tools apply:
/// each case applies the printed diff with `patch -p1` and `git apply` and compares the
/// result with the generated file byte for byte.
@Suite("Workflow drift diff")
struct WorkflowDiffTests {
    static let long = (1...40).map { "line \($0)" }.joined(separator: "\n") + "\n"

    /// (name, file on disk or nil when missing, generated content)
    static let cases: [(String, String?, String)] = [
        ("one changed line", "a\nb\nc\n", "a\nB\nc\n"),
        (
            "two distant hunks", long,
            long.replacingOccurrences(of: "line 3\n", with: "line three\n")
                .replacingOccurrences(of: "line 35\n", with: "")
        ),
        (
            "nearby changes share a hunk", long,
            long.replacingOccurrences(of: "line 10\n", with: "ten\n")
                .replacingOccurrences(of: "line 15\n", with: "fifteen\nand more\n")
        ),
        ("appended at the end", "a\nb\n", "a\nb\nc\nd\n"),
        ("inserted at the top", "a\nb\n", "top\na\nb\n"),
        ("everything replaced", "x\ny\n", "p\nq\nr\n"),
        ("old side has no final newline", "a\nb", "a\nb\n"),
        ("new side has no final newline", "a\nb\n", "a\nc"),
        ("CRLF lines", "a\r\nb\r\n", "a\r\nB\r\n"),
        ("an empty file", "", "name: ci\n"),
        ("a missing file", nil, "name: ci\non: push\n"),
    ]

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("workflow-diff-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Awaited on the process runner's own thread, not waited for on a cooperative-pool thread
    /// (two on two cores), which would stall every other test's timers meanwhile.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], in directory: URL) async throws -> (status: Int32, output: String) {
        let output = try await ProcessRunner().run(ProcessRequest(tool, arguments, workingDirectory: directory.path, timeout: .seconds(60)))
        return (output.exitCode, output.combinedText)
    }

    /// A directory holding `contents` at `path` (nothing there when nil).
    func tree(_ path: String, _ contents: String?) throws -> URL {
        let root = try temporaryDirectory()
        if let contents {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        return root
    }

    @Test(arguments: cases.indices)
    func thePrintedDiffApplies(_ index: Int) async throws {
        let (name, disk, generated) = Self.cases[index]
        let path = ".github/workflows/ci.yml"
        let root = try tree(path, disk)
        defer { try? FileManager.default.removeItem(at: root) }
        let drift = try #require(WorkflowFiles.check([GeneratedFile(path: path, contents: generated)], root: root).first, "\(name)")
        // What the command prints: each diff followed by print's newline.
        let patchFile = root.appendingPathComponent("drift.patch")
        try Data((drift.diff + "\n").utf8).write(to: patchFile)
        #expect(drift.diff.contains("\n@@ -"), "\(name): no hunk header in\n\(drift.diff)")
        #expect(drift.diff.hasPrefix("--- \(disk == nil ? "/dev/null" : "a/\(path)")\n+++ b/\(path)\n"), "\(name)")

        let patched = try await run("/usr/bin/patch", ["-p1", "--forward", "--batch", "-i", patchFile.path], in: root)
        #expect(patched.status == 0, "\(name): patch refused\n\(drift.diff)\n\(patched.output)")
        #expect(try Data(contentsOf: root.appendingPathComponent(path)) == Data(generated.utf8), "\(name): patch result differs")

        let gitRoot = try tree(path, disk)
        defer { try? FileManager.default.removeItem(at: gitRoot) }
        try await run("/usr/bin/git", ["init", "-q"], in: gitRoot)
        let checked = try await run("/usr/bin/git", ["apply", "--check", patchFile.path], in: gitRoot)
        #expect(checked.status == 0, "\(name): git apply --check refused\n\(drift.diff)\n\(checked.output)")
        let applied = try await run("/usr/bin/git", ["apply", patchFile.path], in: gitRoot)
        #expect(applied.status == 0, "\(name): \(applied.output)")
        #expect(try Data(contentsOf: gitRoot.appendingPathComponent(path)) == Data(generated.utf8), "\(name): git apply result differs")
    }

    @Test func hunkHeadersCountLinesAndKeepThreeLinesOfContext() {
        let old = Self.long
        let new = old.replacingOccurrences(of: "line 20\n", with: "twenty\n")
        let diff = LineDiff.unified(old: old, new: new, oldName: "a/f", newName: "b/f")
        #expect(
            diff == """
                --- a/f
                +++ b/f
                @@ -17,7 +17,7 @@
                 line 17
                 line 18
                 line 19
                -line 20
                +twenty
                 line 21
                 line 22
                 line 23
                """)
        #expect(LineDiff.unified(old: "same\n", new: "same\n", oldName: "a/f", newName: "b/f").isEmpty)
    }
}
