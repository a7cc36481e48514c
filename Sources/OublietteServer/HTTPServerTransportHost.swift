import Foundation
import MCP
import NIOCore
import NIOHTTP1
import NIOPosix
import SystemSupport

/// Serves an ``OublietteMCPServer`` over MCP's Streamable HTTP (stateless, JSON responses)
/// on a NIO HTTP/1.1 listener. The SDK's ``StatelessHTTPServerTransport`` only translates
/// requests into JSON-RPC messages; this host owns the socket and, before anything reaches
/// the transport, demands `Authorization: Bearer <server token>`.
public struct HTTPServerTransportHost: Sendable {
    /// The one path MCP is served on.
    public static let endpointPath = "/mcp"
    /// Bodies above this are refused (413) rather than buffered.
    public static let maximumBodyBytes = 4 * 1024 * 1024

    public let server: OublietteMCPServer
    public let address: HTTPListenAddress
    public let allowRemote: Bool
    private let token: BearerToken

    /// Refuses a non-loopback `address` unless `allowRemote`, so a default setup is never
    /// reachable from the network.
    public init(server: OublietteMCPServer, token: String, address: HTTPListenAddress, allowRemote: Bool) throws {
        guard allowRemote || address.isLoopback else { throw HTTPServeError.notLoopback(address.description) }
        self.server = server
        self.token = BearerToken(token)
        self.address = address
        self.allowRemote = allowRemote
    }

    /// Binds, reports the bound `host:port` through `onListening`, and serves until the task
    /// is cancelled; then closes the listener and stops the MCP server.
    public func run(onListening: @Sendable (String) -> Void = { _ in }) async throws {
        // Host/Origin checks guard against DNS rebinding on a loopback listener; a remote
        // listener is reached under names we cannot know, and the token guards it instead.
        let origin: any HTTPRequestValidator = allowRemote ? OriginValidator.disabled : LoopbackOriginValidator()
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                origin, AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
            ]))
        let mcp = await server.makeServer()
        try await mcp.start(transport: transport)

        let token = self.token
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try child.pipeline.syncOperations.addHandler(
                            MCPRequestHandler(transport: transport, token: token))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            await mcp.stop()
            throw HTTPServeError.bindFailed(address.description, String(describing: error))
        }

        let bound = channel.localAddress.map { Self.describe($0) } ?? address.description
        onListening(bound)
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        await mcp.stop()
    }

    private static func describe(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// The server token, compared in constant time so response timing says nothing about
/// how much of a guess was right. Deliberately not `CustomStringConvertible`.
struct BearerToken: Sendable {
    private let bytes: [UInt8]

    init(_ token: String) {
        bytes = Array(token.utf8)
    }

    /// Whether an `Authorization` header value is `Bearer <token>`.
    func accepts(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let offered = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        // Every byte of the longer input is visited whatever matches, and a length
        // mismatch fails through the accumulator rather than an early return.
        var difference = UInt8(truncatingIfNeeded: offered.count ^ bytes.count)
        for index in 0..<max(offered.count, bytes.count) {
            let left = index < offered.count ? offered[index] : 0
            let right = index < bytes.count ? bytes[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && offered.count == bytes.count
    }
}

/// One HTTP/1.1 connection: gathers a request, checks the token and path, hands it to the
/// transport and writes back what the transport answers.
private final class MCPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let transport: StatelessHTTPServerTransport
    private let token: BearerToken
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var tooLarge = false

    init(transport: StatelessHTTPServerTransport, token: BearerToken) {
        self.transport = transport
        self.token = token
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body.clear()
            tooLarge = false
        case var .body(chunk):
            if body.readableBytes + chunk.readableBytes > HTTPServerTransportHost.maximumBodyBytes {
                tooLarge = true
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            respond(to: requestHead, body: Data(body.readableBytesView), channel: context.channel)
        }
    }

    private func respond(to head: HTTPRequestHead, body: Data, channel: any Channel) {
        let keepAlive = head.isKeepAlive
        let version = head.version
        guard token.accepts(authorization: head.headers.first(name: "Authorization")) else {
            Self.write(
                .error(
                    statusCode: 401,
                    .invalidRequest("Unauthorized: send Authorization: Bearer <token> with the token from the server-token file in Oubliette's data directory"),
                    extraHeaders: ["WWW-Authenticate": "Bearer"]),
                version: version, keepAlive: keepAlive, to: channel)
            return
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == HTTPServerTransportHost.endpointPath else {
            Self.write(
                .error(statusCode: 404, .invalidRequest("Not Found: MCP is served at \(HTTPServerTransportHost.endpointPath)")),
                version: version, keepAlive: keepAlive, to: channel)
            return
        }
        guard !tooLarge else {
            Self.write(
                .error(statusCode: 413, .invalidRequest("Payload Too Large: the limit is \(HTTPServerTransportHost.maximumBodyBytes) bytes")),
                version: version, keepAlive: keepAlive, to: channel)
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        let request = HTTPRequest(
            method: head.method.rawValue, headers: headers,
            body: body.isEmpty ? nil : body, path: path)
        let transport = self.transport
        // The transport waits for the MCP server's answer; the event loop must not.
        Task {
            await ResponseWriter.answer(request, from: transport, version: version, keepAlive: keepAlive, to: channel)
        }
    }

    private static func write(_ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, to channel: any Channel) {
        ResponseWriter.write(response, version: version, keepAlive: keepAlive, to: channel)
    }
}

/// Writes the SDK's framework-neutral responses onto a NIO channel; safe from any thread.
private enum ResponseWriter {
    static func answer(
        _ request: HTTPRequest, from transport: StatelessHTTPServerTransport,
        version: HTTPVersion, keepAlive: Bool, to channel: any Channel
    ) async {
        let response = await transport.handleRequest(request)
        switch response {
        case let .stream(events, headers):
            await stream(events, headers: headers, version: version, to: channel)
        case .accepted, .ok, .data, .error:
            write(response, version: version, keepAlive: keepAlive, to: channel)
        }
    }

    static func responseHead(
        _ status: Int, headers: [String: String], version: HTTPVersion,
        keepAlive: Bool, length: Int?
    ) -> HTTPResponseHead {
        var fields = HTTPHeaders(headers.map { ($0.key, $0.value) })
        if let length { fields.replaceOrAdd(name: "Content-Length", value: String(length)) }
        fields.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status), headers: fields)
    }

    static func write(_ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, to channel: any Channel) {
        let data = response.bodyData ?? Data()
        let head = responseHead(
            response.statusCode, headers: response.headers, version: version,
            keepAlive: keepAlive, length: data.count)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        if !data.isEmpty {
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: data))), promise: nil)
        }
        let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive {
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Server-sent events: the stateless transport does not produce them today, but the
    /// response type allows it, so relay rather than drop.
    static func stream(
        _ events: AsyncThrowingStream<Data, any Error>, headers: [String: String],
        version: HTTPVersion, to channel: any Channel
    ) async {
        let head = responseHead(200, headers: headers, version: version, keepAlive: false, length: nil)
        channel.writeAndFlush(HTTPServerResponsePart.head(head), promise: nil)
        do {
            for try await chunk in events {
                channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: chunk))), promise: nil)
            }
        } catch {
            // The stream ended with the connection or the server; close below either way.
        }
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
    }
}
