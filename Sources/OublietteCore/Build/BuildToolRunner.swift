import Foundation

/// Runs short-lived build tools (buildah, docker, podman) to completion.
///
/// Uses Foundation `Process` with a termination handler bridged to a continuation, so
/// no cooperative thread blocks while a build runs. Output is captured (for error
/// messages) and, when `echo` is set, copied to stderr as it arrives.
public struct BuildToolRunner: Sendable {
    public var echo: Bool
    public var environment: [String: String]?

    public init(echo: Bool = false, environment: [String: String]? = nil) {
        self.echo = echo
        self.environment = environment
    }

    public struct Result: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Full path of `tool` on PATH, or nil.
    public static func which(_ tool: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        ExecutableLocator.find(tool, environment: path.map { ["PATH": $0] } ?? [:])
    }

    public func run(_ tool: String, _ arguments: [String]) async throws(BuilderError) -> Result {
        guard let executable = Self.which(tool) else { throw .toolNotFound(tool: tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let collector = OutputCollector(echo: echo)
        pipe.fileHandleForReading.readabilityHandler = { handle in
            collector.append(handle.availableData)
        }
        let commandLine = ([tool] + arguments).joined(separator: " ")
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
                do { try process.run() } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            pipe.fileHandleForReading.readabilityHandler = nil
            throw .launchFailed(command: commandLine, reason: error.localizedDescription)
        }
        pipe.fileHandleForReading.readabilityHandler = nil
        // Whatever arrived between the last readability callback and exit.
        collector.append(pipe.fileHandleForReading.readDataToEndOfFile())
        return Result(status: status, output: collector.text)
    }

    /// Runs and throws `commandFailed` (naming the image) on a non-zero exit.
    public func check(image: String, _ tool: String, _ arguments: [String]) async throws(BuilderError) -> Result {
        let result = try await run(tool, arguments)
        guard result.status == 0 else {
            throw .commandFailed(image: image, command: ([tool] + arguments).joined(separator: " "),
                                 status: result.status, output: result.output)
        }
        return result
    }
}

/// Collects a child's output from the pipe's reader thread.
private final class OutputCollector: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var data = Data()
    private let echo: Bool

    init(echo: Bool) { self.echo = echo }

    func append(_ chunk: Data) {
        guard !chunk.isEmpty else { return }
        lock.lock()
        data.append(chunk)
        lock.unlock()
        if echo { FileHandle.standardError.write(chunk) }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
