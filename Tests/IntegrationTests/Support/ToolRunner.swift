import Foundation
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one run of a command-line tool produced.
struct ToolResult: Sendable {
    /// The executable's resolved path followed by its arguments.
    let command: [String]
    let status: Int32
    let stdoutData: Data
    let stderrData: Data

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    var succeeded: Bool { status == 0 }
    /// stdout without surrounding whitespace and newlines, for one-value outputs.
    var trimmedStdout: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
}

enum ToolRunnerError: Error, LocalizedError, CustomStringConvertible {
    case toolNotFound(tool: String, searchPath: String)
    case launchFailed(command: String, reason: String)
    case failed(command: String, status: Int32, stderr: String, stdout: String)
    case timedOut(command: String, seconds: Int)

    var description: String {
        switch self {
        case let .toolNotFound(tool, searchPath):
            return "'\(tool)' is not on PATH (\(searchPath)); install it (scripts/install-deps) or pass an absolute path"
        case let .launchFailed(command, reason):
            return "could not start `\(command)`: \(reason)"
        case let .failed(command, status, stderr, stdout):
            let detail = stderr.isEmpty ? stdout : stderr
            return "`\(command)` exited with status \(status): \(ToolRunnerError.tail(detail))"
        case let .timedOut(command, seconds):
            return "`\(command)` did not finish within \(seconds)s and was killed; look for a hung server in the test bed's logs"
        }
    }

    var errorDescription: String? { description }

    /// The last lines of a tool's output: enough to see why it failed without flooding the log.
    private static func tail(_ text: String, lines: Int = 20) -> String {
        let all = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
        if all.isEmpty || (all.count == 1 && all[0].isEmpty) { return "(no output)" }
        return all.suffix(lines).joined(separator: "\n")
    }
}

/// Runs short command-line tools (skopeo, buildah, curl, docker, umoci) and captures their
/// output, for integration tests, through the package's one process runner (both streams
/// drained, a deadline, a clean signal mask). Async only: the tool is awaited on the process
/// runner's own thread, because a synchronous wait would hold a cooperative-pool thread (two
/// on two cores) for the whole run, and a few minute-long tools in parallel tests then stall
/// every other test's timers and awaits.
enum ToolRunner {
    /// Runs `tool` with `arguments`.
    /// - Parameters:
    ///   - tool: a name looked up on PATH, or a path containing `/`.
    ///   - arguments: the tool's arguments, passed as they are (no shell).
    ///   - environment: variables added to (or replacing those of) this process's environment.
    ///   - currentDirectory: the working directory; this process's when nil.
    ///   - input: bytes for the tool's stdin; stdin is /dev/null when nil.
    ///   - check: when true, a non-zero exit throws ``ToolRunnerError/failed(command:status:stderr:stdout:)``
    ///     carrying the tool's stderr; when false the result is returned whatever the status.
    ///   - timeout: seconds before the tool is killed and ``ToolRunnerError/timedOut(command:seconds:)`` thrown.
    /// - Returns: the command line, the exit status and both streams' output.
    /// - Throws: ``ToolRunnerError``: the tool is not found or cannot be started, timed out,
    ///   or (with `check`) exited non-zero.
    @discardableResult
    static func run(
        _ tool: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        currentDirectory: URL? = nil,
        input: Data? = nil,
        check: Bool = true,
        timeout: Int = 300
    ) async throws -> ToolResult {
        let (command, request) = try prepare(tool, arguments, environment, currentDirectory, input, timeout)
        let output: Result<CommandOutput, ProcessError>
        do { output = .success(try await ProcessRunner().run(request)) } catch { output = .failure(error) }
        return try finish(command, timeout: timeout, check: check, output)
    }

    /// The resolved command line and the runner's request for it.
    private static func prepare(
        _ tool: String, _ arguments: [String], _ environment: [String: String], _ currentDirectory: URL?, _ input: Data?, _ timeout: Int
    ) throws -> (command: [String], request: ProcessRequest) {
        var mergedEnvironment = ProcessInfo.processInfo.environment
        mergedEnvironment.merge(environment) { _, new in new }
        let executable = try resolve(tool, path: mergedEnvironment["PATH"] ?? "/usr/bin:/bin")
        let request = ProcessRequest(
            executable.path, arguments, environment: .inherit(adding: environment),
            workingDirectory: currentDirectory?.path, input: input, timeout: .seconds(timeout))
        return ([executable.path] + arguments, request)
    }

    /// The runner's outcome as a ``ToolResult``, or the ``ToolRunnerError`` that names the command.
    private static func finish(
        _ command: [String], timeout: Int, check: Bool, _ outcome: Result<CommandOutput, ProcessError>
    ) throws -> ToolResult {
        let output: CommandOutput
        do {
            output = try outcome.get()
        } catch .timedOut {
            throw ToolRunnerError.timedOut(command: render(command), seconds: timeout)
        } catch {
            throw ToolRunnerError.launchFailed(command: render(command), reason: error.description)
        }
        let result = ToolResult(command: command, status: output.exitCode, stdoutData: output.stdout, stderrData: output.stderr)
        if check, !result.succeeded {
            throw ToolRunnerError.failed(command: render(command), status: result.status, stderr: result.stderr, stdout: result.stdout)
        }
        return result
    }

    /// Whether `tool` can be found on this process's PATH.
    static func isInstalled(_ tool: String) -> Bool {
        (try? resolve(tool, path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")) != nil
    }

    private static func resolve(_ tool: String, path: String) throws -> URL {
        let fileManager = FileManager.default
        if tool.contains("/") {
            guard fileManager.isExecutableFile(atPath: tool) else {
                throw ToolRunnerError.toolNotFound(tool: tool, searchPath: "given as a path")
            }
            return URL(fileURLWithPath: tool)
        }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(tool)
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                fileManager.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        throw ToolRunnerError.toolNotFound(tool: tool, searchPath: path)
    }

    /// A shell-like rendering of a command for error messages.
    static func render(_ command: [String]) -> String {
        command.map { word in
            let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+%".contains($0) }
            if plain && !word.isEmpty { return word }
            return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }
}
