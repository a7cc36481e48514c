import Foundation
import OublietteCore
import ReleaseKit
import Testing
import Yams

/// release.yml's "Check the glibc floor" step, run on this build's real binaries: it reports
/// the highest GLIBC_ symbol version each needs and fails above the floor the matrix entry
/// promises (README states it for users).
@Suite("The release binaries' glibc floor check")
struct GlibcFloorTests {
    static func checkScript() throws -> String {
        let generator = WorkflowGenerator(catalogue: .shipped, pins: try ActionPins.load(root: WorkflowTestBench.repositoryRoot))
        let workflow = try #require(try Yams.load(yaml: try generator.releaseWorkflow()) as? [String: Any])
        return try PipelineExecutionTests.script(workflow, job: "binaries-linux", step: "Check the glibc floor")
    }

    /// Runs the step in a workspace whose stage/ holds `binaries`.
    func check(_ binaries: [URL], floor: String) async throws -> ToolResult {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("glibc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workspace.appendingPathComponent("stage"), withIntermediateDirectories: true)
        for binary in binaries {
            try FileManager.default.copyItem(at: binary, to: workspace.appendingPathComponent("stage/\(binary.lastPathComponent)"))
        }
        defer { try? FileManager.default.removeItem(at: workspace) }
        return try await ToolRunner.run(
            "/bin/bash", ["-e", "-c", try Self.checkScript()], environment: ["GLIBC_FLOOR": floor], currentDirectory: workspace, check: false)
    }

    static func versionParts(_ text: String) -> [Int] { text.split(separator: ".").map { Int($0) ?? 0 } }

    @Test("this build's oubliette and release-tool need no glibc above the floor oubliette is shipped with; a lower floor fails naming the binary")
    func floor() async throws {
        let directory = WorkflowTestBench.releaseTool.deletingLastPathComponent()
        let binaries = ["oubliette", "release-tool"].map { directory.appendingPathComponent($0) }
        let passing = try await check(binaries, floor: WorkflowGenerator.glibcFloor)
        #expect(passing.succeeded, "\(passing.stdout)\(passing.stderr)")
        let needed = passing.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "needs glibc ") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " })
        }
        #expect(needed.count == 2, "\(passing.stdout)")
        let floor = Self.versionParts(WorkflowGenerator.glibcFloor)
        for version in needed {
            #expect(!floor.lexicographicallyPrecedes(Self.versionParts(version)), "needs glibc \(version), above the floor")
        }
        let highest = try #require(needed.max { Self.versionParts($0).lexicographicallyPrecedes(Self.versionParts($1)) })
        let parts = Self.versionParts(highest)
        let below = "\(parts[0]).\(max(parts[1] - 1, 0))"
        let failing = try await check(binaries, floor: below)
        #expect(!failing.succeeded)
        #expect(failing.stdout.contains("needs glibc \(highest), newer than the supported floor \(below)"), "\(failing.stdout)")
        // README states the floor the check enforces.
        let readme = try String(contentsOf: WorkflowTestBench.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("glibc \(WorkflowGenerator.glibcFloor)"))
    }

    @Test("a file that is not a dynamically linked ELF binary fails the check")
    func notELF() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("not-elf-\(UUID().uuidString)")
        try Data("#!/bin/sh\necho hi\n".utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let result = try await check([script], floor: "2.35")
        #expect(!result.succeeded && result.stdout.contains("has no GLIBC_ symbol versions"), "\(result.stdout)\(result.stderr)")
    }
}
