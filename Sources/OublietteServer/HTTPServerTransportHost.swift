import Foundation
import MCP
import NIOCore
import NIOHTTP1
import NIOPosix
import OCIDistribution
import SystemSupport

/// Serves an ``OublietteMCPServer`` over MCP's Streamable HTTP (stateless, JSON responses)
/// on a NIO HTTP/1.1 listener. The SDK's ``StatelessHTTPServerTransport`` only translates
/// requests into JSON-RPC messages; this host owns the socket and, before anything reaches
/// the transport, demands `Authorization: Bearer <server token>`.
package struct HTTPServerTransportHost: Sendable {
    /// The one path MCP is served on.
    package static let endpointPath = "/mcp"
    /// Bodies above this are refused (413) rather than buffered.
    package static let maximumBodyBytes = 4 * 1024 * 1024

    /// What one client may cost the server before it has proven anything.
    package struct Limits: Sendable, Equatable {
        /// Connections served at once; more are closed as they arrive.
        package var maximumConnections: Int
        /// From connecting (or from the previous answer) until a request head is complete:
        /// idle and slow-header connections are closed when it passes.
        package var headDeadline: TimeAmount
        /// From the head until the whole body has arrived.
        package var bodyDeadline: TimeAmount

        package init(maximumConnections: Int = 64, headDeadline: TimeAmount = .seconds(30), bodyDeadline: TimeAmount = .seconds(60)) {
            self.maximumConnections = maximumConnections
            self.headDeadline = headDeadline
            self.bodyDeadline = bodyDeadline
        }
    }

    package let server: OublietteMCPServer
    package let address: HTTPListenAddress
    package let allowRemote: Bool
    package let limits: Limits
    private let token: BearerToken

    /// Refuses a non-loopback `address` unless `allowRemote`, so a default setup is never
    /// reachable from the network.
    package init(server: OublietteMCPServer, token: String, address: HTTPListenAddress, allowRemote: Bool, limits: Limits = Limits()) throws {
        guard allowRemote || address.isLoopback else { throw HTTPServeError.notLoopback(address.description) }
        self.limits = limits
        self.server = server
        self.token = BearerToken(token)
        self.address = address
        self.allowRemote = allowRemote
    }

    /// Binds, reports the bound `host:port` through `onListening`, and serves until the task
    /// is cancelled; then closes the listener and stops the MCP server.
    package func run(onListening: @Sendable (String) -> Void = { _ in }) async throws {
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
        let limits = self.limits
        let connections = ConnectionCount()
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    // Past the cap a connection is closed at once: descriptors and buffers
                    // stay bounded however many a client opens.
                    guard connections.enter(limit: limits.maximumConnections) else {
                        return child.close()
                    }
                    child.closeFuture.whenComplete { _ in connections.leave() }
                    return child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try child.pipeline.syncOperations.addHandler(
                            MCPRequestHandler(transport: transport, token: token, limits: limits))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            await mcp.stop()
            throw HTTPServeError.bindFailed(address.description, Self.bindProblem(error, port: address.port))
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

    /// Why the listening socket could not be set up, as a phrase (NIO's own text is
    /// `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`).
    static func bindProblem(_ error: any Error, port: Int) -> String {
        guard let io = error as? IOError else { return NetworkProblem.phrase(error) }
        switch io.errnoCode {
        case EADDRINUSE:
            return "port \(port) is already in use (another `oubliette serve`? `ss -ltnp 'sport = :\(port)'` shows which process)"
        case EACCES:
            return "ports below 1024 need root; use a port above 1023"
        case EADDRNOTAVAIL:
            return "this machine has no such address"
        default:
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
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

/// How many connections are open, shared by every event loop's accept path.
private final class ConnectionCount: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0

    func enter(limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard open < limit else { return false }
        open += 1
        return true
    }

    func leave() {
        lock.lock()
        defer { lock.unlock() }
        open -= 1
    }
}

/// Sent down the pipeline when an answer has been written: the connection waits for the
/// next head from then on.
private struct AnswerWritten {}

/// One HTTP/1.1 connection. The token and path are checked as soon as the request head
/// arrives, so an unauthenticated client is answered 401 (and disconnected) before any body
/// is read; an authorised request's body is gathered up to the limit, then handed to the
/// transport. Idle and slow connections are closed at the head and body deadlines.
private final class MCPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case awaitingHead
        case readingBody(HTTPRequestHead)
        /// A refused request: what is left of it is ignored until the connection closes.
        case refused
        case answering
    }

    private let transport: StatelessHTTPServerTransport
    private let token: BearerToken
    private let limits: HTTPServerTransportHost.Limits
    private var state = State.awaitingHead
    private var body = ByteBuffer()
    private var deadline: Scheduled<Void>?

    init(transport: StatelessHTTPServerTransport, token: BearerToken, limits: HTTPServerTransportHost.Limits) {
        self.transport = transport
        self.token = token
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(limits.headDeadline, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    private func arm(_ amount: TimeAmount, context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: amount) { channel.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is AnswerWritten, case .answering = state {
            state = .awaitingHead
            arm(limits.headDeadline, context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            guard case .awaitingHead = state else { return }
            if let refusal = refusal(for: requestHead) {
                state = .refused
                deadline?.cancel()
                // The connection ends once the answer is out: the body a refused client may
                // still send is discarded unread, never buffered.
                ResponseWriter.refuse(refusal, version: requestHead.version, to: context.channel)
                return
            }
            body.clear()
            state = .readingBody(requestHead)
            arm(limits.bodyDeadline, context: context)
        case var .body(chunk):
            guard case let .readingBody(requestHead) = state else { return }
            guard body.readableBytes + chunk.readableBytes <= HTTPServerTransportHost.maximumBodyBytes else {
                state = .refused
                deadline?.cancel()
                ResponseWriter.refuse(Self.tooLarge, version: requestHead.version, to: context.channel)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard case let .readingBody(requestHead) = state else { return }
            deadline?.cancel()
            state = .answering
            respond(to: requestHead, body: Data(body.readableBytesView), channel: context.channel)
            body.clear()
        }
    }

    static let tooLarge = HTTPResponse.error(
        statusCode: 413, .invalidRequest("Payload Too Large: the limit is \(HTTPServerTransportHost.maximumBodyBytes) bytes"))

    /// The answer for a head that is refused before its body: bad token, wrong path, or a
    /// declared length past the limit.
    private func refusal(for head: HTTPRequestHead) -> HTTPResponse? {
        guard token.accepts(authorization: head.headers.first(name: "Authorization")) else {
            return .error(
                statusCode: 401,
                .invalidRequest("Unauthorized: send Authorization: Bearer <token> with the token from the server-token file in Oubliette's data directory"),
                extraHeaders: ["WWW-Authenticate": "Bearer"])
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == HTTPServerTransportHost.endpointPath else {
            return .error(statusCode: 404, .invalidRequest("Not Found: MCP is served at \(HTTPServerTransportHost.endpointPath)"))
        }
        if let declared = head.headers.first(name: "Content-Length").flatMap(Int.init), declared > HTTPServerTransportHost.maximumBodyBytes {
            return Self.tooLarge
        }
        return nil
    }

    private func respond(to head: HTTPRequestHead, body: Data, channel: any Channel) {
        let keepAlive = head.isKeepAlive
        let version = head.version
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
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
        if keepAlive {
            done.whenSuccess { channel.pipeline.fireUserInboundEventTriggered(AnswerWritten()) }
        } else {
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Answers a refused request and ends the connection: the output side is shut at once
    /// (the client sees the answer and end-of-stream); what the client still sends is
    /// discarded for up to two seconds before the socket closes, so the answer is not lost
    /// to a reset while the client is still writing its body.
    static func refuse(_ response: HTTPResponse, version: HTTPVersion, to channel: any Channel) {
        let data = response.bodyData ?? Data()
        let head = responseHead(response.statusCode, headers: response.headers, version: version, keepAlive: false, length: data.count)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        if !data.isEmpty { channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: data))), promise: nil) }
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
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
