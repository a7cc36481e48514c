import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process with pipes on stdin/stdout and stderr in a file, started with
/// posix_spawn and an empty signal mask: Foundation.Process launched from a Swift
/// concurrency thread can hand the child a blocked mask, and then SIGTERM would be ignored.
final class ServerProcess: @unchecked Sendable {
    enum SpawnError: Error, CustomStringConvertible {
        case failed(String, Int32)
        var description: String {
            switch self { case let .failed(what, code): "\(what) failed: \(String(cString: strerror(code)))" }
        }
    }

    let pid: pid_t
    /// Write end of the child's stdin.
    let stdinWrite: Int32
    /// Read end of the child's stdout.
    let stdoutRead: Int32
    let stderrFile: URL
    private var stdinClosed = false
    private var exitStatus: Int32?

    init(binary: String, arguments: [String], environment: [String: String], stderrFile: URL) throws {
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw SpawnError.failed("pipe", errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        for fd in [toChild[0], toChild[1], fromChild[0], fromChild[1]] { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, binary, &actions, &attributes, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard result == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw SpawnError.failed("posix_spawn \(binary)", result)
        }
        pid = child
        stdinWrite = toChild[1]
        stdoutRead = fromChild[0]
        self.stderrFile = stderrFile
    }

    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    func closeStdin() {
        guard !stdinClosed else { return }
        stdinClosed = true
        close(stdinWrite)
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// The exit status once the child has exited within `seconds`; nil if it is still running.
    func waitForExit(seconds: Double) async -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                // WIFEXITED / WEXITSTATUS, spelled out: Glibc's macros are not imported.
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                exitStatus = code
                close(stdoutRead)
                return code
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Closes stdin and waits; kills the child if it does not exit in time.
    func shutDown() async -> Int32? {
        closeStdin()
        if let status = await waitForExit(seconds: 15) { return status }
        signal(SIGKILL)
        _ = await waitForExit(seconds: 5)
        return nil
    }
}
