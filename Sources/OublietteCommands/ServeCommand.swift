import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import OublietteServer
import SystemSupport

struct ServeCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the MCP server for an agent, on stdin/stdout or over HTTP.",
        discussion: """
            With --transport stdio (the default) speaks MCP (JSON-RPC, one message per line) \
            on stdin/stdout and stops when stdin closes, once every request read by then is \
            answered (waiting at most 10 minutes). With --transport http serves MCP \
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

    enum Transport: String, ExpressibleByArgument, CaseIterable {
        case stdio, http
    }

    @Option(help: "Transport: stdio or http.")
    var transport: Transport = .stdio

    @Option(
        help: ArgumentHelp(
            "HOST:PORT to listen on with --transport http (default 127.0.0.1:8765).",
            valueName: "host:port"))
    var listen: String?

    @Flag(help: "Allow --listen on an address other machines can reach (the token still applies).")
    var allowRemote = false

    @Option(help: "With --transport http: connections served at once; more are closed as they arrive.")
    var maxConnections = HTTPServerTransportHost.Limits().maximumConnections

    @Option(help: "With --transport http: seconds a connection may take to send a request head (idle ones are closed).")
    var headTimeout = 30

    @Option(help: "With --transport http: seconds a request may take to send its body.")
    var bodyTimeout = 60

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        switch transport {
        case .stdio:
            guard listen == nil, !allowRemote else {
                throw ValidationError("--listen and --allow-remote need --transport http")
            }
        case .http:
            guard maxConnections > 0, headTimeout > 0, bodyTimeout > 0 else {
                throw ValidationError("--max-connections, --head-timeout and --body-timeout must be positive")
            }
            let address = try listenAddress()
            guard allowRemote || address.isLoopback else {
                throw ValidationError(HTTPServeError.notLoopback(address.description).description)
            }
        }
    }

    private func listenAddress() throws -> HTTPListenAddress {
        guard let listen else { return .default }
        do {
            return try HTTPListenAddress(parsing: listen)
        } catch {
            throw ValidationError(describe(error))
        }
    }

    func execute() async throws {
        // First, before any serving starts: from here on SIGINT/SIGTERM are never lost.
        let signals = try ShutdownSignals.install()
        // One object graph for the whole server: every tool call shares its image manager.
        let services = try CommandContext.services()
        let server = OublietteMCPServer(manager: services.projects)
        let serving: Task<Void, any Error>
        if transport == .http {
            let token = try ServerToken.loadPrivate(dataDirectory: services.paths.dataDirectory)
            let host = try HTTPServerTransportHost(
                server: server, token: token, address: try listenAddress(),
                allowRemote: allowRemote,
                limits: .init(
                    maximumConnections: maxConnections, headDeadline: .seconds(Int64(headTimeout)),
                    bodyDeadline: .seconds(Int64(bodyTimeout))))
            serving = Task {
                try await host.run { bound in
                    // The readiness line: printed only once signals are handled and the socket is bound.
                    Output.diagnostic("serving MCP at http://\(bound)\(HTTPServerTransportHost.endpointPath)")
                }
            }
        } else {
            serving = Task {
                Output.diagnostic("serving MCP on stdio")
                try await server.runOnStdio { Output.diagnostic($0) }
            }
        }
        signals.onSignal { _ in serving.cancel() }
        do {
            try await serving.value
        } catch is CancellationError {
            return
        } catch {
            Output.error("the MCP server stopped: \(describe(error))")
            throw ExitCode.failure
        }
    }
}
