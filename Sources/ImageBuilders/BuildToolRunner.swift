import Foundation
import SystemSupport

/// Runs build tools (buildah, docker, podman) through the shared ``ProcessRunner``, turning
/// its errors into ``BuilderError``s that name the image being built.
package struct BuildToolRunner: Sendable {
    /// Receives each line of the tool's output as it arrives (nil: kept only for the error
    /// that quotes the end of a failed build).
    package var log: BuildLog?
    package var environment: ProcessEnvironment
    /// A build that takes longer than this is stopped (a hung `RUN` step must not hang CI).
    package var timeout: Duration
    let processes: ProcessRunner

    package init(
        log: BuildLog? = nil, environment: ProcessEnvironment = .inherit, timeout: Duration = .seconds(3600),
        processes: ProcessRunner = ProcessRunner()
    ) {
        self.log = log
        self.environment = environment
        self.timeout = timeout
        self.processes = processes
    }

    package struct Result: Sendable {
        package let status: Int32
        package let output: String
    }

    /// Full path of `tool` on PATH, or nil.
    package static func which(_ tool: String) -> String? {
        ExecutableLocator.find(tool)
    }

    /// This runner with `variables` added to the tool's environment.
    package func adding(environment variables: [String: String]) -> BuildToolRunner {
        var copy = self
        copy.environment = environment.merging(.inherit(adding: variables))
        return copy
    }

    /// Runs `tool`; with a ``log``, every line it prints is handed on as it arrives, labelled
    /// with `image` (the build it belongs to).
    package func run(_ tool: String, _ arguments: [String], image: String? = nil) async throws(BuilderError) -> Result {
        var request = ProcessRequest(tool, arguments, environment: environment, timeout: timeout)
        if let log {
            let label = image ?? tool
            request.onLine = { line in log.write(BuildLogLine(image: label, tool: tool, text: line.text)) }
        }
        do {
            let output = try await processes.run(request)
            return Result(status: output.exitCode, output: output.combinedText)
        } catch .executableNotFound {
            throw .toolNotFound(tool: tool)
        } catch {
            throw .launchFailed(command: request.commandLine, reason: error.description)
        }
    }

    /// Runs and throws `commandFailed` (naming the image) on a non-zero exit.
    package func check(image: String, _ tool: String, _ arguments: [String]) async throws(BuilderError) -> Result {
        try await check(image: image, label: image, tool, arguments)
    }

    /// ``check(image:_:_:)`` for one build request: its log lines name the platform too.
    package func check(_ request: BuildRequest, _ tool: String, _ arguments: [String]) async throws(BuilderError) -> Result {
        try await check(image: request.type, label: request.logLabel, tool, arguments)
    }

    private func check(image: String, label: String, _ tool: String, _ arguments: [String]) async throws(BuilderError) -> Result {
        let result = try await run(tool, arguments, image: label)
        guard result.status == 0 else {
            throw .commandFailed(
                image: image, command: ([tool] + arguments).joined(separator: " "),
                status: result.status, output: result.output)
        }
        return result
    }
}
