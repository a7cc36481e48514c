import Foundation
import SystemSupport
import Testing

/// `release-tool publish` shows buildah's output on stderr while it builds, prefixed with the
/// build it belongs to; `--quiet` hides it.
@Suite("Builder output is streamed while building")
struct BuildOutputStreamingTests {
    /// Seen lines of stderr with the time each arrived.
    final class Lines: @unchecked Sendable {
        // @unchecked: every access goes through `lock`.
        private let lock = NSLock()
        private var seen: [(text: String, at: ContinuousClock.Instant)] = []

        func add(_ text: String) { lock.withLock { seen.append((text, .now)) } }
        func first(containing needle: String) -> (text: String, at: ContinuousClock.Instant)? {
            lock.withLock { seen.first { $0.text.contains(needle) } }
        }
        /// The first line that is exactly `text` after a `[build …] ` prefix (not the STEP
        /// line that quotes the command).
        func first(printed text: String) -> (text: String, at: ContinuousClock.Instant)? {
            lock.withLock { seen.first { $0.text.hasPrefix("[build ") && $0.text.hasSuffix("] \(text)") } }
        }
    }

    /// The busybox fixture with a base whose RUN step prints a line, sleeps 3 s, prints another.
    static func repository(_ bed: TestBed, name: String) async throws -> URL {
        let repository = try bed.makeTemporaryDirectory(name)
        try await ReleasePublishTests.makeRepository(in: repository)
        try await ReleasePublishTests.checkout("v1.1.0", in: repository)
        let dockerfile = repository.appendingPathComponent("images/base/Dockerfile")
        var text = try String(contentsOf: dockerfile, encoding: .utf8)
        text += "RUN echo stream-marker-before && sleep 3 && echo stream-marker-after\n"
        try text.write(to: dockerfile, atomically: true, encoding: .utf8)
        for arguments in [["commit", "-q", "-am", "slow step"], ["tag", "v1.2.0"]] {
            try await ToolRunner.run("git", ["-C", repository.path] + arguments)
        }
        return repository
    }

    static func publish(_ bed: TestBed, repository: URL, extra: [String], lines: Lines) async throws -> CommandOutput {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        let store = try bed.makeTemporaryDirectory("stream-buildah")
        let namespace = "stream-\(UUID().uuidString.prefix(8).lowercased())"
        let request = ProcessRequest(
            binary.path,
            [
                "publish", "--repo", repository.path, "--catalogue", repository.appendingPathComponent("images/catalogue.jsonc").path,
                "--registry", "\(bed.registry)/\(namespace)", "--build-arg", "BUSYBOX_IMAGE=\(bed.busyboxImage)",
                "--builder", "buildah", "--buildah-root", "\(store.path)/root", "--buildah-runroot", "\(store.path)/runroot",
                "--work-dir", try bed.makeTemporaryDirectory("stream-work").path,
            ] + extra,
            timeout: .seconds(400), onLine: { line in if line.stream == .standardError { lines.add(line.text) } })
        return try await ProcessRunner().run(request)
    }

    @Test(
        "publish: buildah's lines reach stderr, prefixed, as the RUN step prints them (not when the build ends)",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(8)))
    func streamsWhileBuilding() async throws {
        let bed = TestBed.required
        let repository = try await Self.repository(bed, name: "stream-repo")
        let lines = Lines()
        let output = try await Self.publish(bed, repository: repository, extra: [], lines: lines)
        #expect(output.exitCode == 0, "\(output.combinedText.suffix(2000))")
        let before = try #require(lines.first(printed: "stream-marker-before"), "\(output.stderrText.suffix(2000))")
        let after = try #require(lines.first(printed: "stream-marker-after"))
        // Streamed: the first line arrives while the step still sleeps; buffered, both would
        // arrive together when the build ends.
        #expect(after.at - before.at > .seconds(2), "lines \(after.at - before.at) apart")
        #expect(before.text.hasPrefix("[build base linux/amd64] "), "\(before.text)")
        // Not a terminal: no escape sequences reach a log.
        #expect(!output.stderrText.contains("\u{1B}["))
        #expect(lines.first(containing: "[build dev linux/amd64] ") != nil)
    }

    @Test(
        "publish --quiet: no builder output on stderr",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(8)))
    func quietHidesBuilderOutput() async throws {
        let bed = TestBed.required
        let repository = try await Self.repository(bed, name: "stream-quiet-repo")
        let lines = Lines()
        let output = try await Self.publish(bed, repository: repository, extra: ["--quiet"], lines: lines)
        #expect(output.exitCode == 0, "\(output.combinedText.suffix(2000))")
        #expect(!output.stderrText.contains("stream-marker"), "\(output.stderrText.suffix(2000))")
        #expect(!output.stderrText.contains("[build "), "\(output.stderrText.suffix(2000))")
    }
}
