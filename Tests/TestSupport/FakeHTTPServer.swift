import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import OCIDistribution

/// A request as the fake server saw it.
package struct FakeRequest: Sendable {
    package var method: String
    package var uri: String
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
    package var query: [String: String] {
        guard let q = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var result: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            result[key] = value
        }
        return result
    }
    package func header(_ name: String) -> String? { headers[name].first }
}

/// What the fake server does with a request: answer, or misbehave.
package enum FakeResponse: Sendable {
    case reply(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
    /// The body written as separate chunks (chunked transfer encoding), as an engine streams
    /// progress lines.
    case chunked(status: Int, headers: [(String, String)], chunks: [[UInt8]])
    /// `response`, sent only after `delay` (the event loop stays free meanwhile), like a peer
    /// that is busy before it answers.
    indirect case delayed(TimeAmount, FakeResponse)
    /// Declares the full body length, sends `partial`, then closes the connection cleanly.
    case truncated(headers: [(String, String)], declaredLength: Int, partial: [UInt8])
    /// Like `truncated`, but aborts with a TCP reset.
    case reset(headers: [(String, String)], declaredLength: Int, partial: [UInt8])
    /// A 200 of `total` zero bytes written 64 KiB at a time, each write after the previous
    /// one was accepted; `sent` counts what reached the socket, so a test can see how much
    /// the client read before it hung up.
    case stream(headers: [(String, String)], total: Int, sent: Locked<Int>)
    /// Declares the full body length, sends `partial`, then sends nothing more and keeps the
    /// connection open: a peer that stalls mid-body (deadline tests).
    case stall(headers: [(String, String)], declaredLength: Int, partial: [UInt8])

    package static func status(_ code: Int, _ headers: [(String, String)] = [], json: String? = nil) -> FakeResponse {
        var headers = headers
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return .reply(status: code, headers: headers, body: json.map { Array($0.utf8) } ?? [])
    }
}

/// The one in-process HTTP/1.1 server of the tests, on 127.0.0.1 (random port) or a unix
/// socket, for fault injection. What it serves is a handler: the registry (`FakeRegistry`),
/// the releases API, the Docker engine or a static route table are each a handler over it.
package final class FakeHTTPServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    package let port: Int

    package let host: String
    package var address: String { "\(host):\(port)" }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, host: String, port: Int) {
        self.group = group
        self.channel = channel
        self.host = host
        self.port = port
    }

    /// - Parameters:
    ///   - host: the address to listen on (a non-loopback one for tests of rules
    ///     that treat loopback specially).
    ///   - handler: answers each request, on the server's event loop.
    /// - Returns: the server, listening on a free port; the caller shuts it down.
    /// - Throws: NIO's error when the address cannot be bound.
    package static func start(host: String = "127.0.0.1", _ handler: @escaping @Sendable (FakeRequest) -> FakeResponse) async throws -> FakeHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await bootstrap(group, .immediate(handler)).bind(host: host, port: 0).get()
        guard let port = channel.localAddress?.port else { throw CancellationError() }
        return FakeHTTPServer(group: group, channel: channel, host: host, port: port)
    }

    /// A handler that must await before it answers (a proxy asking its upstream); the event
    /// loop stays free meanwhile.
    package static func start(host: String = "127.0.0.1", serving handler: @escaping @Sendable (FakeRequest) async -> FakeResponse) async throws
        -> FakeHTTPServer
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await bootstrap(group, .awaiting(handler)).bind(host: host, port: 0).get()
        guard let port = channel.localAddress?.port else { throw CancellationError() }
        return FakeHTTPServer(group: group, channel: channel, host: host, port: port)
    }

    /// Listens on the unix socket at `path` instead (as dockerd does); `port` is 0.
    package static func start(unixSocket path: String, _ handler: @escaping @Sendable (FakeRequest) -> FakeResponse) async throws -> FakeHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await bootstrap(group, .immediate(handler)).bind(unixDomainSocketPath: path).get()
        return FakeHTTPServer(group: group, channel: channel, host: path, port: 0)
    }

    /// Runs `body` with a started server and shuts the server down after it, whether it
    /// returns or throws (a scoped fixture: the shutdown is awaited, not left to a task).
    package static func with<T>(
        host: String = "127.0.0.1", _ handler: @escaping @Sendable (FakeRequest) -> FakeResponse,
        isolation: isolated (any Actor)? = #isolation, _ body: (FakeHTTPServer) async throws -> T
    ) async throws -> T {
        let server = try await start(host: host, handler)
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    private enum Handler: Sendable {
        case immediate(@Sendable (FakeRequest) -> FakeResponse)
        case awaiting(@Sendable (FakeRequest) async -> FakeResponse)
    }

    private static func bootstrap(_ group: MultiThreadedEventLoopGroup, _ handler: Handler) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(handler: handler))
                }
            }
    }

    package func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let handler: Handler
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(handler: Handler) {
            self.handler = handler
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case let .head(head):
                self.head = head
                body = []
            case var .body(buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let request = FakeRequest(method: head.method.rawValue, uri: head.uri, headers: head.headers, body: body)
                switch handler {
                case let .immediate(handler): respond(handler(request), head: head, context: context)
                case let .awaiting(handler):
                    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    Task {
                        let response = await handler(request)
                        bound.eventLoop.execute {
                            let (channelHandler, context) = bound.value
                            channelHandler.respond(response, head: head, context: context)
                        }
                    }
                }
            }
        }

        private func respond(_ response: FakeResponse, head: HTTPRequestHead, context: ChannelHandlerContext) {
            switch response {
            case let .reply(status, headers, body):
                var responseHeaders = HTTPHeaders(headers)
                if !responseHeaders.contains(name: "Content-Length") {
                    responseHeaders.add(name: "Content-Length", value: "\(body.count)")
                }
                let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                if head.method != .HEAD, !body.isEmpty {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case let .stream(headers, total, sent):
                var responseHeaders = HTTPHeaders(headers)
                responseHeaders.replaceOrAdd(name: "Content-Length", value: "\(total)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: responseHeaders))), promise: nil)
                let channel = context.channel
                let chunk = ByteBuffer(repeating: 0, count: 64 << 10)
                @Sendable func writeNext(_ remaining: Int) {
                    guard remaining > 0 else {
                        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                        return
                    }
                    let part = chunk.getSlice(at: 0, length: min(remaining, chunk.readableBytes)) ?? chunk
                    channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(part))).whenComplete { result in
                        guard case .success = result else { return }
                        sent.withLock { $0 += part.readableBytes }
                        writeNext(remaining - part.readableBytes)
                    }
                }
                writeNext(total)
            case let .stall(headers, declared, partial):
                var responseHeaders = HTTPHeaders(headers)
                responseHeaders.replaceOrAdd(name: "Content-Length", value: "\(declared)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: responseHeaders))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: partial)))), promise: nil)
            case let .truncated(headers, declared, partial), let .reset(headers, declared, partial):
                var responseHeaders = HTTPHeaders(headers)
                responseHeaders.replaceOrAdd(name: "Content-Length", value: "\(declared)")
                let responseHead = HTTPResponseHead(version: head.version, status: .ok, headers: responseHeaders)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                let isReset: Bool
                if case .reset = response { isReset = true } else { isReset = false }
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: partial))))).whenComplete { _ in
                    guard isReset, let provider = channel as? any SocketOptionProvider else {
                        channel.close(promise: nil)
                        return
                    }
                    // SO_LINGER 0: close() sends RST instead of FIN.
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                }
            case let .chunked(status, headers, chunks):
                // No Content-Length: NIO's encoder then sends the body chunked.
                var responseHeaders = HTTPHeaders(headers)
                responseHeaders.remove(name: "Content-Length")
                let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                for chunk in chunks where !chunk.isEmpty {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: chunk)))), promise: nil)
                }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case let .delayed(delay, response):
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) { self.respond(response, head: head, context: context) }
            }
        }
    }
}

/// Mutable state shared between a test and the server's event loop.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    package init(_ value: Value) { self.value = value }
    package func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    package var current: Value { withLock { $0 } }
}
