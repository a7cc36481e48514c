import Foundation
import SystemSupport
import Testing

@Suite("ProcessRunner (real child processes)", .timeLimit(.minutes(5)))
struct ProcessRunnerTests {
    let runner = ProcessRunner()

    @Test func hungChildIsStoppedAtItsTimeoutWithAClearError() async throws {
        let started = ContinuousClock.now
        let request = ProcessRequest("sleep", ["600"], timeout: .milliseconds(300))
        await #expect {
            _ = try await runner.run(request)
        } throws: { error in
            guard case let .timedOut(command, after)? = error as? ProcessError else { return false }
            return command == "sleep 600" && after == .milliseconds(300)
                && describe(error).contains("`sleep 600` did not finish within 0.3 s and was stopped")
        }
        // Far below the child's own 600 s: it was stopped, not waited for. The bound is loose
        // because the whole suite starts at once on two shared cores.
        #expect(ContinuousClock.now - started < .seconds(120), "SIGTERM ends sleep at once")
    }

    @Test func childIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let started = ContinuousClock.now
        // `exec` so the shell itself is the child that ignores TERM.
        let request = ProcessRequest("sh", ["-c", "trap '' TERM; echo ready; exec sleep 600"], timeout: .milliseconds(200))
        await #expect(throws: ProcessError.self) { _ = try await runner.run(request) }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .seconds(3) && elapsed < .seconds(120), "SIGKILL follows 3 s after SIGTERM, long before 600 s (took \(elapsed))")
    }

    @Test func largeOutputOnBothStreamsDoesNotDeadlock() async throws {
        // 1 MiB on each stream: far beyond a pipe's 64 KiB buffer.
        let output = try await runner.run(ProcessRequest("sh", ["-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"]))
        #expect(output.exitCode == 0)
        #expect(output.stdout.count == 1_048_576)
        #expect(output.stderr.count == 1_048_576)
    }

    /// A script just written is briefly "busy" while any forked child still holds a copy of
    /// the writer's descriptor; the spawn waits that out instead of failing (the flake that
    /// hit the credential-helper tests under load). Here the writer itself holds it 20 ms,
    /// closing it from a thread of its own (not the cooperative pool the spawn waits on).
    @Test func executableStillOpenForWritingIsStartedOnceTheWriterCloses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("hello").path
        let writer = open(script, O_WRONLY | O_CREAT | O_CLOEXEC, 0o755)
        try #require(writer >= 0)
        let text = "#!/bin/sh\necho hello\n"
        #expect(write(writer, text, text.utf8.count) == text.utf8.count)
        let closer = Thread {
            usleep(20_000)
            close(writer)
        }
        closer.start()
        let output = try await runner.run(ProcessRequest(script, []))
        #expect(output.exitCode == 0 && output.stdoutText == "hello\n")
    }

    /// A child that closes its stdin unread: the write past the pipe's buffer meets a closed
    /// pipe. With SIGPIPE at its default (as a user's shell leaves it; set here for the test)
    /// that killed the whole process; now the child's ending is reported.
    @Test func childThatClosesItsStdinUnreadDoesNotTakeTheProcessDown() async throws {
        let previous = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, previous) }
        let input = Data(repeating: 0x61, count: 1 << 20)
        let output = try await runner.run(ProcessRequest("sh", ["-c", "exec 0<&-; sleep 0.2; echo closed; exit 3"], input: input))
        #expect(output.exitCode == 3 && output.stdoutText == "closed\n")
    }

    @Test func inputReachesStdinAndExitStatusIsReported() async throws {
        let echoed = try await runner.run(ProcessRequest("cat", [], input: Data("hello\n".utf8)))
        #expect(echoed.stdoutText == "hello\n")
        let failed = try await runner.run(ProcessRequest("sh", ["-c", "echo oops >&2; exit 7"]))
        #expect(failed.exitCode == 7 && failed.stderrText == "oops\n")
        await #expect {
            try await runner.check(ProcessRequest("sh", ["-c", "echo oops >&2; exit 7"]))
        } throws: { error in
            describe(error) == "`sh -c echo oops >&2; exit 7` failed (exit 7): oops"
        }
        let killed = try await runner.run(ProcessRequest("sh", ["-c", "kill -9 $$"]))
        #expect(killed.exitCode == 128 + 9)
    }

    @Test func environmentPolicyIsExplicit() async throws {
        let only = try await runner.run(ProcessRequest("/usr/bin/env", [], environment: .only(["ONLY": "1"])))
        #expect(only.stdoutText == "ONLY=1\n")
        let added = try await runner.run(
            ProcessRequest(
                "/bin/sh", ["-c", "echo $ADDED:${PATH:+has-path}"],
                environment: .inherit(adding: ["ADDED": "yes"])))
        #expect(added.stdoutText == "yes:has-path\n")
    }

    @Test func linesAreDeliveredAsTheyArrive() async throws {
        let lines = LineLog()
        _ = try await runner.run(ProcessRequest("sh", ["-c", "printf 'a\\nb\\r'; printf 'c' >&2"], onLine: { lines.append($0) }))
        #expect(
            lines.all.sorted { $0.text < $1.text } == [
                OutputLine(stream: .standardOutput, text: "a"), OutputLine(stream: .standardOutput, text: "b"),
                OutputLine(stream: .standardError, text: "c"),
            ])
    }

    @Test func missingExecutableAndCancellationAreErrors() async throws {
        await #expect(throws: ProcessError.executableNotFound("no-such-tool-xyz")) {
            _ = try await runner.run(ProcessRequest("no-such-tool-xyz", []))
        }
        let started = ContinuousClock.now
        let task = Task { try await runner.run(ProcessRequest("sleep", ["600"])) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: ProcessError.cancelled(command: "sleep 600")) { _ = try await task.value }
        #expect(ContinuousClock.now - started < .seconds(120), "cancelled, not waited for 600 s")
    }

    @Test func childGetsOnlyItsOwnDescriptorsAndDefaultSignals() async throws {
        // A descriptor this process holds open must not leak into the child.
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { fds.forEach { close($0) } }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let listed = try await runner.run(ProcessRequest("sh", ["-c", "ls /proc/self/fd"]))
        let open = Set(listed.stdoutText.split(separator: "\n").compactMap { Int32($0) })
        #expect(!open.contains(fds[0]) && !open.contains(fds[1]), "\(open)")
        // SIGTERM is not blocked in the child (a blocked mask would make this hang).
        let masks = try await runner.run(ProcessRequest("sh", ["-c", "grep SigBlk /proc/self/status"]))
        #expect(masks.stdoutText.contains("0000000000000000"), "\(masks.stdoutText)")
    }
}

/// Collects lines from the runner's thread.
private final class LineLog: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var lines: [OutputLine] = []
    func append(_ line: OutputLine) { lock.withLock { lines.append(line) } }
    var all: [OutputLine] { lock.withLock { lines } }
}
