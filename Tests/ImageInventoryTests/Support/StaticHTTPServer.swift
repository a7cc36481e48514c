import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP/1.1 server answering each path from a table (404 otherwise); the table
/// can be changed between requests.
final class StaticHTTPServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    let port: Int
    private let routes: Routes

    final class Routes: @unchecked Sendable {
        private let lock = NSLock()
        private var table: [String: (Int, Data)] = [:]
        func set(_ path: String, status: Int = 200, _ body: Data) { lock.withLock { table[path] = (status, body) } }
        func get(_ path: String) -> (Int, Data) { lock.withLock { table[path] ?? (404, Data("not found".utf8)) } }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int, routes: Routes) {
        self.group = group
        self.channel = channel
        self.port = port
        self.routes = routes
    }

    func set(_ path: String, status: Int = 200, _ body: Data) { routes.set(path, status: status, body) }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    static func start() async throws -> StaticHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let routes = Routes()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(Handler(routes: routes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw CancellationError() }
        return StaticHTTPServer(group: group, channel: channel, port: port, routes: routes)
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let routes: Routes
        var head: HTTPRequestHead?

        init(routes: Routes) { self.routes = routes }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case let .head(head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                let (status, body) = routes.get(String(head.uri.split(separator: "?").first ?? ""))
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(body.count)")
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: status), headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
