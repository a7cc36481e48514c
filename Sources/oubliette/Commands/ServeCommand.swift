import ArgumentParser
import Dispatch
import Foundation
import OublietteCore
import OublietteServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the MCP server on stdin/stdout for an agent.",
        discussion: """
            Speaks MCP (JSON-RPC, one message per line) on stdin/stdout; diagnostics go to \
            stderr. Stops when stdin closes, or gracefully on SIGINT/SIGTERM. Projects and \
            sessions are kept in the data directory and survive restarts. Set \
            OUBLIETTE_CONTAINER_NETWORK (default, none, host or a network name) for project \
            containers, and OUBLIETTE_STOP_TIMEOUT (seconds) for how long a stop waits.
            """
    )

    @Option(help: "Transport: only stdio is available in this build.")
    var transport: String = "stdio"

    func validate() throws {
        guard transport == "stdio" else {
            throw ValidationError("transport '\(transport)' is not available; use --transport stdio (HTTP is not implemented yet)")
        }
    }

    func run() async throws {
        let context = try CommandContext.load()
        let manager = ProjectManager(config: context.config, runtime: context.runtime,
                                     dataDirectory: context.paths.dataDirectory, settings: context.settings)
        let server = OublietteMCPServer(manager: manager)
        let serving = Task { try await server.runOnStdio() }
        let signals = ShutdownSignals { serving.cancel() }
        defer { signals.cancel() }
        do {
            try await serving.value
        } catch is CancellationError {
            return
        } catch {
            printError("the MCP server stopped: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Turns SIGINT and SIGTERM into a callback, so the server can stop cleanly instead of dying.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(onSignal: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: onSignal)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
