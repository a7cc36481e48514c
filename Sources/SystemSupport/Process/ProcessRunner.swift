import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way this package runs a child process: builders, the Apple `container` CLI,
/// credential helpers and the tests all come through here.
///
/// - The child is spawned with `posix_spawn`, an empty signal mask and default signal
///   handlers (a child of `Foundation.Process` started from async code inherits a blocked
///   mask and then ignores SIGTERM), and only its own three descriptors.
/// - stdout and stderr are read by one poll loop on a dedicated thread, so a chatty child
///   can never block on a full pipe while we wait for it.
/// - Every run has a deadline: a hung child is sent SIGTERM, then SIGKILL after a grace
///   period, and the run fails with ``ProcessError/timedOut(command:after:)``. Cancelling the
///   calling task stops the child the same way.
package struct ProcessRunner: CommandRunner {
    /// Used when a request names no timeout.
    package var defaultTimeout: Duration
    /// Merged into every request's environment (a request's own entries win).
    package var environment: ProcessEnvironment
    /// Each run at debug: the executable, how many arguments (never their values, which may
    /// carry secrets), how it ended and how long it took.
    package var logger: Logger

    package init(
        environment: ProcessEnvironment = .inherit, defaultTimeout: Duration = .seconds(600),
        logger: Logger = Logger(label: "system.process")
    ) {
        self.environment = environment
        self.defaultTimeout = defaultTimeout
        self.logger = logger
    }

    package func run(_ request: ProcessRequest) async throws(ProcessError) -> CommandOutput {
        let childEnvironment = environment.merging(request.environment).resolved()
        guard let path = ExecutableLocator.find(request.executable, environment: childEnvironment) else {
            throw .executableNotFound(request.executable)
        }
        let timeout = request.timeout ?? defaultTimeout
        let control = RunControl()
        let started = ContinuousClock.now
        logger.trace("starting \(path)", metadata: ["arguments": "\(request.arguments.count)", "timeout": "\(timeout.formattedSeconds)"])
        // The spawn (which may wait out a busy executable) and the supervision both block, so
        // they run on a thread of their own, never on the cooperative pool.
        let result: Result<Spawned.Outcome, ProcessError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    do throws(ProcessError) {
                        let spawned = try Spawned.start(path: path, request: request, environment: childEnvironment)
                        continuation.resume(returning: .success(spawned.superviseUntilExit(timeout: timeout, control: control, request: request)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
                thread.name = "process \(request.executable)"
                thread.start()
            }
        } onCancel: {
            control.cancel()
        }
        let outcome = try result.get()
        log(request, path: path, outcome: outcome, since: started)
        switch outcome.ending {
        case .exited:
            return outcome.output
        case .timedOut:
            throw .timedOut(command: request.commandLine, after: timeout)
        case .cancelled:
            throw .cancelled(command: request.commandLine)
        }
    }

    private func log(_ request: ProcessRequest, path: String, outcome: Spawned.Outcome, since started: ContinuousClock.Instant) {
        let ending =
            switch outcome.ending {
            case .exited: "exited \(outcome.output.exitCode)"
            case .timedOut: "timed out"
            case .cancelled: "cancelled"
            }
        logger.debug(
            "\(path) \(ending)",
            metadata: ["arguments": "\(request.arguments.count)", "duration": "\((ContinuousClock.now - started).formattedMilliseconds)"])
    }

    /// Runs the request and throws ``ProcessError/failed(command:exitCode:output:)`` unless it exits 0.
    @discardableResult
    package func check(_ request: ProcessRequest) async throws(ProcessError) -> CommandOutput {
        let output = try await run(request)
        guard output.exitCode == 0 else {
            throw .failed(command: request.commandLine, exitCode: output.exitCode, output: output.combinedText)
        }
        return output
    }
}

/// What the child's environment is.
package struct ProcessEnvironment: Sendable, Equatable {
    /// Start from this process's environment (true) or from nothing (false).
    package var inheritsParent: Bool
    package var overrides: [String: String]

    /// This process's environment.
    package static let inherit = ProcessEnvironment(inheritsParent: true, overrides: [:])
    /// This process's environment with `overrides` on top.
    package static func inherit(adding overrides: [String: String]) -> ProcessEnvironment {
        ProcessEnvironment(inheritsParent: true, overrides: overrides)
    }
    /// Exactly these variables and nothing else.
    package static func only(_ variables: [String: String]) -> ProcessEnvironment {
        ProcessEnvironment(inheritsParent: false, overrides: variables)
    }

    package func merging(_ other: ProcessEnvironment) -> ProcessEnvironment {
        ProcessEnvironment(
            inheritsParent: inheritsParent && other.inheritsParent,
            overrides: overrides.merging(other.overrides) { _, new in new })
    }

    func resolved() -> [String: String] {
        var result = inheritsParent ? ProcessInfo.processInfo.environment : [:]
        result.merge(overrides) { _, new in new }
        return result
    }
}

/// One child to run.
package struct ProcessRequest: Sendable {
    package var executable: String
    package var arguments: [String]
    package var environment: ProcessEnvironment
    package var workingDirectory: String?
    /// Written to the child's stdin, which is then closed; nil = /dev/null.
    package var input: Data?
    /// nil = the runner's default.
    package var timeout: Duration?
    /// Copies every chunk of the child's output to our stderr as it arrives (build logs).
    package var echoToStandardError: Bool
    /// Receives each complete line of stdout and stderr as it arrives (progress).
    package var onLine: (@Sendable (OutputLine) -> Void)?

    package init(
        _ executable: String, _ arguments: [String], environment: ProcessEnvironment = .inherit,
        workingDirectory: String? = nil, input: Data? = nil, timeout: Duration? = nil,
        echoToStandardError: Bool = false, onLine: (@Sendable (OutputLine) -> Void)? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
        self.timeout = timeout
        self.echoToStandardError = echoToStandardError
        self.onLine = onLine
    }

    /// The command as a person would type it, for messages.
    package var commandLine: String { ([executable] + arguments).joined(separator: " ") }
}

/// A line the child printed, and on which stream.
package struct OutputLine: Sendable, Equatable {
    package enum Stream: Sendable, Equatable { case standardOutput, standardError }
    package let stream: Stream
    package let text: String

    package init(stream: Stream, text: String) {
        self.stream = stream
        self.text = text
    }
}

/// Why a child could not be run to completion. A non-zero exit is a result, not an error,
/// except through ``ProcessRunner/check(_:)``.
package enum ProcessError: Error, Sendable, Equatable, DescribedError {
    case executableNotFound(String)
    case launchFailed(command: String, reason: String)
    case timedOut(command: String, after: Duration)
    case cancelled(command: String)
    case failed(command: String, exitCode: Int32, output: String)

    package var description: String {
        switch self {
        case let .executableNotFound(name):
            "\(name) was not found on PATH; install it or put it on PATH"
        case let .launchFailed(command, reason):
            "could not start `\(command)`: \(reason)"
        case let .timedOut(command, after):
            "`\(command)` did not finish within \(after.formattedSeconds) and was stopped"
        case let .cancelled(command):
            "`\(command)` was stopped because the operation was cancelled"
        case let .failed(command, exitCode, output):
            "`\(command)` failed (exit \(exitCode))\(output.isEmpty ? "" : ": \(output.trimmingCharacters(in: .whitespacesAndNewlines).suffixLines(20))")"
        }
    }
}

extension Duration {
    /// "12 ms", for durations in logs.
    package var formattedMilliseconds: String {
        "\(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) ms"
    }

    /// "2.5 s", "10 s".
    package var formattedSeconds: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds.rounded() == seconds ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}

extension String {
    /// The last `count` lines, so an error quotes the end of a long build log.
    func suffixLines(_ count: Int) -> String {
        let lines = split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count <= count ? self : "…\n" + lines.suffix(count).joined(separator: "\n")
    }
}

/// Cancellation requested from another thread, read by the supervising loop.
private final class RunControl: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// A spawned child and the parent's ends of its pipes.
private struct Spawned: @unchecked Sendable {
    // @unchecked: plain descriptors, used by the one supervising thread only.
    let pid: pid_t
    let stdoutFD: Int32
    let stderrFD: Int32
    let stdinFD: Int32?

    enum Ending { case exited, timedOut, cancelled }
    struct Outcome: Sendable {
        let output: CommandOutput
        let ending: Ending
    }

    static func start(path: String, request: ProcessRequest, environment: [String: String]) throws(ProcessError) -> Spawned {
        let child = try ChildSpawn.start(
            path: path, arguments: request.arguments, environment: environment,
            workingDirectory: request.workingDirectory,
            stdin: request.input == nil ? .null : .pipe, stdout: .pipe, stderr: .pipe,
            commandLine: request.commandLine)
        // A `.pipe` stream always comes back with the parent's end.
        return Spawned(pid: child.pid, stdoutFD: child.stdout ?? -1, stderrFD: child.stderr ?? -1, stdinFD: child.stdin)
    }

    /// Pumps the pipes and waits for the child, enforcing the deadline. Blocks its thread.
    func superviseUntilExit(timeout: Duration, control: RunControl, request: ProcessRequest) -> Outcome {
        // A child that exits without reading all of its stdin makes the write below fail; with
        // SIGPIPE at its default that would kill this whole process (a credential helper that
        // ignores its input took release-tool down with exit 141). Blocked on this thread only,
        // the one that writes, so the write returns EPIPE and the child's ending is reported.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        let started = ContinuousClock.now
        let grace = Duration.seconds(3)
        var stdoutData = Data(), stderrData = Data()
        var stdoutLines = LineSplitter(stream: .standardOutput), stderrLines = LineSplitter(stream: .standardError)
        var openFDs: Set<Int32> = [stdoutFD, stderrFD]
        var pendingInput = request.input ?? Data()
        var inputFD = stdinFD
        var exitStatus: Int32?
        var ending = Ending.exited
        var terminatedAt: ContinuousClock.Instant?
        var exitedAt: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)

        if inputFD != nil && pendingInput.isEmpty, let fd = inputFD {
            close(fd)
            inputFD = nil
        }
        while true {
            // Stop reading once the child is gone and its pipes are drained, or a grandchild
            // that kept them open has had a moment to finish writing.
            if exitStatus != nil, openFDs.isEmpty || ContinuousClock.now - (exitedAt ?? started) > .seconds(1) { break }

            var polled = openFDs.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let fd = inputFD { polled.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            if !polled.isEmpty {
                _ = poll(&polled, nfds_t(polled.count), 50)
            } else {
                usleep(20_000)
            }
            for entry in polled where entry.revents != 0 {
                if entry.fd == inputFD {
                    let written = pendingInput.withUnsafeBytes { raw in
                        write(entry.fd, raw.baseAddress, min(raw.count, 65536))
                    }
                    if written > 0 { pendingInput.removeFirst(written) }
                    if written < 0 || pendingInput.isEmpty {
                        close(entry.fd)
                        inputFD = nil
                    }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count <= 0 {
                    if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(entry.fd)
                        openFDs.remove(entry.fd)
                    }
                    continue
                }
                let chunk = Data(buffer[0..<count])
                if request.echoToStandardError { FileHandle.standardError.write(chunk) }
                if entry.fd == stdoutFD {
                    stdoutData.append(chunk)
                    if let onLine = request.onLine { stdoutLines.feed(chunk, to: onLine) }
                } else {
                    stderrData.append(chunk)
                    if let onLine = request.onLine { stderrLines.feed(chunk, to: onLine) }
                }
            }

            if exitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    exitStatus = Self.exitCode(status)
                    exitedAt = .now
                    continue
                }
                let now = ContinuousClock.now
                if let terminatedAt {
                    if now - terminatedAt > grace { kill(pid, SIGKILL) }
                } else if control.isCancelled {
                    ending = .cancelled
                    kill(pid, SIGTERM)
                    terminatedAt = now
                } else if now - started > timeout {
                    ending = .timedOut
                    kill(pid, SIGTERM)
                    terminatedAt = now
                }
            }
        }
        for fd in openFDs { close(fd) }
        if let fd = inputFD { close(fd) }
        if let onLine = request.onLine {
            stdoutLines.flush(to: onLine)
            stderrLines.flush(to: onLine)
        }
        return Outcome(output: CommandOutput(exitCode: exitStatus ?? -1, stdout: stdoutData, stderr: stderrData), ending: ending)
    }

    /// The shell's convention: the exit status, or 128 + the signal that ended the child.
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// Cuts a byte stream into lines for ``ProcessRequest/onLine``; `\r` also ends a line
/// because progress bars redraw with it.
private struct LineSplitter {
    let stream: OutputLine.Stream
    private var pending = Data()

    init(stream: OutputLine.Stream) { self.stream = stream }

    mutating func feed(_ chunk: Data, to handler: (OutputLine) -> Void) {
        pending.append(chunk)
        while let end = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
            let line = pending[pending.startIndex..<end]
            pending.removeSubrange(pending.startIndex...end)
            if !line.isEmpty { handler(OutputLine(stream: stream, text: String(decoding: line, as: UTF8.self))) }
        }
    }

    mutating func flush(to handler: (OutputLine) -> Void) {
        if !pending.isEmpty { handler(OutputLine(stream: stream, text: String(decoding: pending, as: UTF8.self))) }
        pending.removeAll()
    }
}
