import Foundation
import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A long-lived child with pipes on stdin/stdout and stderr in a file, started through
/// SystemSupport's ``ChildSpawn`` (empty signal mask; close-on-exec pipes, so a server
/// spawned at the same time by another test never inherits this one's stdin; only 0, 1 and
/// 2 in the child). The test's ends are never
/// closed while a reader may still poll them: they are retired by pointing them at
/// /dev/null (the reader sees EOF, the number cannot be reused by a new pipe) and closed
/// when the object goes away.
final class ServerProcess: @unchecked Sendable {
    enum SpawnError: Error, CustomStringConvertible {
        case failed(String, Int32)
        var description: String {
            switch self {
            case let .failed(what, code): "\(what) failed: \(String(cString: strerror(code)))"
            }
        }
    }

    let pid: pid_t
    /// Write end of the child's stdin.
    let stdinWrite: Int32
    /// Read end of the child's stdout.
    let stdoutRead: Int32
    let stderrFile: URL
    private let lock = NSLock()
    private var stdinClosed = false
    private var stdoutRetired = false
    private var exitStatus: Int32?

    init(binary: String, arguments: [String], environment: [String: String], stderrFile: URL) throws {
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        // The package's one spawn: close-on-exec pipes, only 0-2 in the child, clean signals.
        let child = try ChildSpawn.start(
            path: binary, arguments: arguments, environment: merged,
            stdin: .pipe, stdout: .pipe, stderr: .file(stderrFile),
            commandLine: ([binary] + arguments).joined(separator: " "))
        guard let stdinWrite = child.stdin, let stdoutRead = child.stdout else {
            throw SpawnError.failed("posix_spawn \(binary)", EBADF)
        }
        pid = child.pid
        self.stdinWrite = stdinWrite
        self.stdoutRead = stdoutRead
        self.stderrFile = stderrFile
    }

    deinit {
        close(stdinWrite)
        close(stdoutRead)
    }

    /// Points `descriptor` at /dev/null in one step: our reference to the pipe is dropped
    /// (the child sees EOF on stdin), yet the number stays taken until deinit.
    private static func retire(_ descriptor: Int32) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { return }
        // dup2 clears close-on-exec on `descriptor` for a moment; children close every
        // descriptor above 2 anyway (ChildSpawn).
        _ = dup2(null, descriptor)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        close(null)
    }

    /// Waits until stderr has a line starting with `prefix` (the server's readiness line).
    /// Returns that line, or nil if the child exited or `seconds` passed first.
    func waitForStderrLine(prefix: String, seconds: Double) async -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if await waitForExit(seconds: 0) != nil {
                return stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }).map(String.init)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Gives the child EOF on stdin. Call after the client using `stdinWrite` disconnected.
    func closeStdin() {
        let first = lock.withLock {
            defer { stdinClosed = true }
            return !stdinClosed
        }
        if first { Self.retire(stdinWrite) }
    }

    /// Lets a reader still polling `stdoutRead` see EOF; the descriptor closes in deinit.
    func retireStdout() {
        let first = lock.withLock {
            defer { stdoutRetired = true }
            return !stdoutRetired
        }
        if first { Self.retire(stdoutRead) }
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status once the child has exited within `seconds`; nil if it is still running.
    func waitForExit(seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if let status = reap() { return status }
            if seconds > 0 { try? await Task.sleep(for: .milliseconds(20)) }
        } while Date() < deadline
        return nil
    }

    /// The exit status if the child has exited (reaped once, remembered after).
    private func reap() -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            // WIFEXITED / WEXITSTATUS, spelled out: Glibc's macros are not imported.
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            exitStatus = code
            return code
        }
    }

    /// Closes stdin and waits; kills the child if it does not exit in time.
    func shutDown() async -> Int32? {
        closeStdin()
        defer { retireStdout() }
        if let status = await waitForExit(seconds: 15) { return status }
        signal(SIGKILL)
        _ = await waitForExit(seconds: 5)
        return nil
    }
}
