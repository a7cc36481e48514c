import CSpawn
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one `posix_spawn` call of the package: ``ProcessRunner`` runs children through it, and
/// long-lived peers (a server a test talks to over stdin/stdout) are started with it directly.
///
/// The child gets an empty signal mask and default handlers for the signals that stop it
/// (a child of `Foundation.Process` started from async code inherits a blocked mask and then
/// ignores SIGTERM), and only descriptors 0, 1 and 2: pipes are close-on-exec from creation,
/// and everything above 2 is closed in the child where the C library can.
package enum ChildSpawn {
    /// Where one of the child's standard streams goes.
    package enum Stream: Sendable, Equatable {
        case null
        /// A pipe; the parent's end is returned.
        case pipe
        /// Written to (created, truncated) this file.
        case file(URL)
    }

    /// A started child and the parent's ends of its pipes (nil where the stream was not a pipe).
    package struct Child: Sendable {
        package let pid: pid_t
        package let stdin: Int32?
        package let stdout: Int32?
        package let stderr: Int32?
    }

    package static func start(
        path: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        stdin: Stream, stdout: Stream, stderr: Stream, commandLine: String
    ) throws(ProcessError) -> Child {
        func pipePair() throws(ProcessError) -> (read: Int32, write: Int32) {
            var fds: [Int32] = [-1, -1]
            guard cspawn_pipe_cloexec(&fds) == 0 else { throw .launchFailed(command: commandLine, reason: String(cString: strerror(errno))) }
            return (fds[0], fds[1])
        }
        // For each stream: the child's end (dup'ed onto 0/1/2, which clears close-on-exec
        // there) and the parent's end.
        var childEnds: [Int32] = []
        var parentEnds: [Int32?] = []
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        func cleanUp() {
            for fd in childEnds { close(fd) }
            for fd in parentEnds.compactMap({ $0 }) { close(fd) }
        }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
                parentEnds.append(nil)
            case let .file(url):
                posix_spawn_file_actions_addopen(&actions, target, url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                parentEnds.append(nil)
            case .pipe:
                let pair: (read: Int32, write: Int32)
                do { pair = try pipePair() } catch {
                    cleanUp()
                    throw error
                }
                let (childEnd, parentEnd) = target == 0 ? (pair.read, pair.write) : (pair.write, pair.read)
                posix_spawn_file_actions_adddup2(&actions, childEnd, target)
                childEnds.append(childEnd)
                parentEnds.append(parentEnd)
            }
        }
        _ = cspawn_file_actions_addclosefrom(&actions, 3)
        if let workingDirectory { cspawn_file_actions_addchdir(&actions, workingDirectory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        var status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        // ETXTBSY: the executable was written a moment ago and a child another thread forked
        // meanwhile still holds a copy of the writer's descriptor until its own exec closes
        // it (microseconds, longer on a loaded machine). Retried for at most a second instead
        // of failing a helper or binary that was just installed.
        let busyUntil = ContinuousClock.now + .seconds(1)
        var pause: UInt32 = 1_000
        while status == ETXTBSY, ContinuousClock.now < busyUntil {
            usleep(pause)
            pause = min(pause * 2, 50_000)
            status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        }
        // The child has its copies; ours of the child's ends must go, or EOF never comes.
        for fd in childEnds { close(fd) }
        childEnds.removeAll()
        guard status == 0 else {
            cleanUp()
            throw .launchFailed(command: commandLine, reason: String(cString: strerror(status)))
        }
        return Child(pid: pid, stdin: parentEnds[0], stdout: parentEnds[1], stderr: parentEnds[2])
    }
}
