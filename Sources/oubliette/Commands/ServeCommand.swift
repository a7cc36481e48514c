import ArgumentParser
import Foundation
import OublietteCore
import OublietteServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the MCP server for an agent, on stdin/stdout or over HTTP.",
        discussion: """
            With --transport stdio (the default) speaks MCP (JSON-RPC, one message per line) \
            on stdin/stdout and stops when stdin closes. With --transport http serves MCP \
            Streamable HTTP (stateless, JSON responses) at http://HOST:PORT/mcp; every request \
            must carry 'Authorization: Bearer <token>' with the token from the server-token \
            file in the data directory (created by `oubliette init`). Only loopback addresses \
            are accepted unless --allow-remote is given. Diagnostics go to stderr; SIGINT or \
            SIGTERM stops either transport gracefully. Projects and sessions are kept in the \
            data directory and survive restarts. Set OUBLIETTE_CONTAINER_NETWORK (default, \
            none, host or a network name) for project containers, and OUBLIETTE_STOP_TIMEOUT \
            (seconds) for how long a stop waits.
            """
    )

    @Option(help: "Transport: stdio or http.")
    var transport: String = "stdio"

    @Option(help: ArgumentHelp("HOST:PORT to listen on with --transport http (default 127.0.0.1:8765).",
                               valueName: "host:port"))
    var listen: String?

    @Flag(help: "Allow --listen on an address other machines can reach (the token still applies).")
    var allowRemote = false

    func validate() throws {
        switch transport {
        case "stdio":
            guard listen == nil, !allowRemote else {
                throw ValidationError("--listen and --allow-remote need --transport http")
            }
        case "http":
            let address = try listenAddress()
            guard allowRemote || address.isLoopback else {
                throw ValidationError(HTTPServeError.notLoopback(address.description).description)
            }
        default:
            throw ValidationError("transport '\(transport)' is not available; use --transport stdio or --transport http")
        }
    }

    private func listenAddress() throws -> HTTPListenAddress {
        guard let listen else { return .default }
        do {
            return try HTTPListenAddress(parsing: listen)
        } catch {
            throw ValidationError(String(describing: error))
        }
    }

    func run() async throws {
        // First, before any serving starts: from here on SIGINT/SIGTERM are never lost.
        let signals = try ShutdownSignals.install()
        let context = try CommandContext.load()
        let manager = ProjectManager(config: context.config, runtime: context.runtime,
                                     dataDirectory: context.paths.dataDirectory, settings: context.settings)
        let server = OublietteMCPServer(manager: manager)
        let serving: Task<Void, any Error>
        if transport == "http" {
            let token: String
            do {
                token = try ServerToken.loadPrivate(dataDirectory: context.paths.dataDirectory)
            } catch {
                printError(error.description)
                throw ExitCode.failure
            }
            let host = try HTTPServerTransportHost(server: server, token: token, address: try listenAddress(),
                                                   allowRemote: allowRemote)
            serving = Task {
                try await host.run { bound in
                    // The readiness line: printed only once signals are handled and the socket is bound.
                    FileHandle.standardError.write(Data("serving MCP at http://\(bound)\(HTTPServerTransportHost.endpointPath)\n".utf8))
                }
            }
        } else {
            serving = Task {
                FileHandle.standardError.write(Data("serving MCP on stdio\n".utf8))
                try await server.runOnStdio()
            }
        }
        signals.onSignal { _ in serving.cancel() }
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
