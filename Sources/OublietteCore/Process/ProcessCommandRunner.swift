import Foundation

/// ``CommandRunner`` backed by Foundation `Process`, for short-lived commands only.
///
/// Output goes to temporary files rather than pipes so a chatty command can never block on
/// a full pipe while we wait for it; the streaming variant uses pipes that are drained as
/// data arrives. Long-lived children that must be stopped with SIGTERM
/// do not belong here: a `Process` launched from async code inherits a blocked signal mask.
public struct ProcessCommandRunner: CommandRunner {
    /// Extra environment for the child, merged over this process's environment.
    public var environment: [String: String]

    public init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    public func run(_ executable: String, arguments: [String]) async throws -> CommandOutput {
        let (path, childEnvironment) = try locate(executable)

        let fileManager = FileManager.default
        let scratch = fileManager.temporaryDirectory.appendingPathComponent("oubliette-cmd-\(UUID().uuidString)")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        guard fileManager.createFile(atPath: stdoutURL.path, contents: nil),
              fileManager.createFile(atPath: stderrURL.path, contents: nil) else {
            throw RuntimeError.commandFailed(command: executable, exitCode: -1, stderr: "cannot create output files in \(scratch.path)")
        }
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = childEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle

        let status = try await Self.launch(process, executable: executable, arguments: arguments)
        try? stdoutHandle.close()
        try? stderrHandle.close()
        return CommandOutput(
            exitCode: status,
            stdout: (try? Data(contentsOf: stdoutURL)) ?? Data(),
            stderr: (try? Data(contentsOf: stderrURL)) ?? Data()
        )
    }

    /// Streams through pipes instead of files so lines reach `onOutput` while the command runs.
    /// Both pipes are drained as data arrives, so a chatty command cannot fill a pipe and
    /// stall; the call returns once the command has exited and both pipes have reached
    /// end-of-file (a grandchild that keeps them open keeps the call waiting).
    public func run(_ executable: String, arguments: [String], onOutput: @escaping @Sendable (String) -> Void) async throws -> CommandOutput {
        let (path, childEnvironment) = try locate(executable)
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        let collector = OutputCollector(onLine: onOutput)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = childEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe

        // One reader thread per pipe, started before the child so nothing it writes waits for
        // them. Blocking reads on plain threads keep the pipes drained without tying up the
        // cooperative pool (a `readabilityHandler` version stalled here on Linux Foundation).
        for (pipe, stream) in [(stdoutPipe, OutputCollector.Stream.stdout), (stderrPipe, OutputCollector.Stream.stderr)] {
            let descriptor = pipe.fileHandleForReading.fileDescriptor
            let reader = Thread {
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count > 0 {
                        collector.append(Data(buffer[0..<count]), to: stream)
                    } else if count < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                collector.close(stream)
            }
            reader.start()
        }
        let status: Int32
        do {
            status = try await Self.launch(process, executable: executable, arguments: arguments)
        } catch {
            // Not launched: closing our write ends gives the readers their end-of-file.
            try? stdoutPipe.fileHandleForWriting.close()
            try? stderrPipe.fileHandleForWriting.close()
            throw error
        }
        await collector.waitUntilClosed()
        let (stdout, stderr) = collector.contents
        return CommandOutput(exitCode: status, stdout: stdout, stderr: stderr)
    }

    private func locate(_ executable: String) throws -> (path: String, environment: [String: String]) {
        var childEnvironment = ProcessInfo.processInfo.environment
        childEnvironment.merge(environment) { _, new in new }
        guard let path = ExecutableLocator.find(executable, environment: childEnvironment) else {
            throw RuntimeError.executableNotFound(executable)
        }
        return (path, childEnvironment)
    }

    private static func launch(_ process: Process, executable: String, arguments: [String]) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            // Set before run() so an instant exit cannot be missed.
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: RuntimeError.commandFailed(
                    command: ([executable] + arguments).joined(separator: " "), exitCode: -1, stderr: "could not launch: \(error)"))
            }
        }
    }
}

/// Collects both output streams of one command, splitting them into lines for the callback.
/// The two reader threads feed it concurrently, hence the lock.
private final class OutputCollector: @unchecked Sendable {
    enum Stream { case stdout, stderr }

    private let lock = NSLock()
    private let onLine: @Sendable (String) -> Void
    private var data: [Stream: Data] = [.stdout: Data(), .stderr: Data()]
    private var pending: [Stream: [UInt8]] = [.stdout: [], .stderr: []]
    private var open: Set<Stream> = [.stdout, .stderr]
    private var waiter: CheckedContinuation<Void, Never>?

    init(onLine: @escaping @Sendable (String) -> Void) {
        self.onLine = onLine
    }

    func append(_ chunk: Data, to stream: Stream) {
        var lines: [String] = []
        lock.lock()
        data[stream, default: Data()].append(chunk)
        var buffer = pending[stream, default: []]
        for byte in chunk {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if !buffer.isEmpty { lines.append(String(decoding: buffer, as: UTF8.self)) }
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
            }
        }
        pending[stream] = buffer
        lock.unlock()
        // Outside the lock: the callback may take its time.
        for line in lines { onLine(line) }
    }

    func close(_ stream: Stream) {
        lock.lock()
        let rest = pending[stream, default: []]
        pending[stream] = []
        open.remove(stream)
        let resume = open.isEmpty ? waiter : nil
        if resume != nil { waiter = nil }
        lock.unlock()
        if !rest.isEmpty { onLine(String(decoding: rest, as: UTF8.self)) }
        resume?.resume()
    }

    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if open.isEmpty {
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }

    var contents: (stdout: Data, stderr: Data) {
        lock.lock()
        defer { lock.unlock() }
        return (data[.stdout] ?? Data(), data[.stderr] ?? Data())
    }
}
