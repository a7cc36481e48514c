import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process with pipes on stdin/stdout and stderr in a file, started with
/// posix_spawn and an empty signal mask: Foundation.Process launched from a Swift
/// concurrency thread can hand the child a blocked mask, and then SIGTERM would be ignored.
///
/// Descriptors: the pipes are created close-on-exec (so a server spawned at the same time
/// by another test never inherits this one's stdin and keeps it open), and the child gets
/// only 0, 1 and 2 (everything above is closed in the child). The test's ends are never
/// closed while a reader may still poll them: they are retired by pointing them at
/// /dev/null (the reader sees EOF, the number cannot be reused by a new pipe) and closed
/// when the object goes away.
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
    private let lock = NSLock()
    private var stdinClosed = false
    private var stdoutRetired = false
    private var exitStatus: Int32?

    init(binary: String, arguments: [String], environment: [String: String], stderrFile: URL) throws {
        let toChild = try Self.closeOnExecPipe(), fromChild = try Self.closeOnExecPipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on 0 and 1; the originals close at exec.
        posix_spawn_file_actions_adddup2(&actions, toChild.read, 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild.write, 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Whatever else this test process has open without close-on-exec stays out of the child.
        if let closeFrom = GNUExtensions.spawnCloseFrom { _ = closeFrom(&actions, 3) }

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
        close(toChild.read)
        close(fromChild.write)
        guard result == 0 else {
            close(toChild.write)
            close(fromChild.read)
            throw SpawnError.failed("posix_spawn \(binary)", result)
        }
        pid = child
        stdinWrite = toChild.write
        stdoutRead = fromChild.read
        self.stderrFile = stderrFile
    }

    deinit {
        close(stdinWrite)
        close(stdoutRead)
    }

    /// A pipe whose ends are close-on-exec from the start (pipe2), so no spawn in another
    /// thread can slip in between creating and marking them.
    private static func closeOnExecPipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        if let pipe2 = GNUExtensions.pipe2 {
            guard pipe2(&ends, O_CLOEXEC) == 0 else { throw SpawnError.failed("pipe2", errno) }
        } else {
            guard pipe(&ends) == 0 else { throw SpawnError.failed("pipe", errno) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        return (ends[0], ends[1])
    }

    /// Points `descriptor` at /dev/null in one step: our reference to the pipe is dropped
    /// (the child sees EOF on stdin), yet the number stays taken until deinit.
    private static func retire(_ descriptor: Int32) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { return }
        _ = dup3OrDup2(null, descriptor)
        close(null)
    }

    private static func dup3OrDup2(_ from: Int32, _ to: Int32) -> Int32 {
        if let dup3 = GNUExtensions.dup3 { return dup3(from, to, O_CLOEXEC) }
        let result = dup2(from, to)
        _ = fcntl(to, F_SETFD, FD_CLOEXEC)
        return result
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

/// glibc functions Swift's Glibc module leaves out (they need _GNU_SOURCE), looked up at
/// run time; nil where the C library lacks them, and the callers fall back.
enum GNUExtensions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias Dup3 = @convention(c) (Int32, Int32, Int32) -> Int32
    typealias SpawnCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2")
    static let dup3: Dup3? = symbol("dup3")
    static let spawnCloseFrom: SpawnCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<T>(_ name: String) -> T? {
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }
}
