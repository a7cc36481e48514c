import Foundation

/// ``CommandRunner`` backed by Foundation `Process`, for short-lived commands only.
///
/// Output goes to temporary files rather than pipes so a chatty command can never block on
/// a full pipe while we wait for it. Long-lived children that must be stopped with SIGTERM
/// do not belong here: a `Process` launched from async code inherits a blocked signal mask.
public struct ProcessCommandRunner: CommandRunner {
    /// Extra environment for the child, merged over this process's environment.
    public var environment: [String: String]

    public init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    public func run(_ executable: String, arguments: [String]) async throws -> CommandOutput {
        var childEnvironment = ProcessInfo.processInfo.environment
        childEnvironment.merge(environment) { _, new in new }
        guard let path = ExecutableLocator.find(executable, environment: childEnvironment) else {
            throw RuntimeError.executableNotFound(executable)
        }

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

        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
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
        try? stdoutHandle.close()
        try? stderrHandle.close()
        return CommandOutput(
            exitCode: status,
            stdout: (try? Data(contentsOf: stdoutURL)) ?? Data(),
            stderr: (try? Data(contentsOf: stderrURL)) ?? Data()
        )
    }
}
