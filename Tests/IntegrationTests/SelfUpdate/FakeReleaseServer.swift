import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What the fake releases server answers for one path.
enum ReleaseServerReply: Sendable {
    case ok(contentType: String, body: [UInt8])
    case notFound
    /// Declares `declaredLength` bytes, sends `partial`, then closes the connection.
    case truncated(declaredLength: Int, partial: [UInt8])
    /// 302 to `location`.
    case redirect(location: String)
}

/// An in-process HTTP/1.1 server on 127.0.0.1 (random port) imitating the GitHub releases API
/// and its asset downloads; `routes` maps a path (query stripped) to the reply.
final class FakeReleaseServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    let port: Int
    private let requests: RequestLog

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requestedPaths: [String] { requests.paths }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int, requests: RequestLog) {
        self.group = group
        self.channel = channel
        self.port = port
        self.requests = requests
    }

    static func start(routes: @escaping @Sendable (String) -> ReleaseServerReply) async throws -> FakeReleaseServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = RequestLog()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(Handler(routes: routes, log: log))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw CancellationError() }
        return FakeReleaseServer(group: group, channel: channel, port: port, requests: log)
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    final class RequestLog: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [String] = []
        func append(_ path: String) { lock.lock(); recorded.append(path); lock.unlock() }
        var paths: [String] { lock.lock(); defer { lock.unlock() }; return recorded }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let routes: @Sendable (String) -> ReleaseServerReply
        let log: RequestLog
        var head: HTTPRequestHead?

        init(routes: @escaping @Sendable (String) -> ReleaseServerReply, log: RequestLog) {
            self.routes = routes
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case let .head(head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
                log.append(path)
                respond(routes(path), version: head.version, context: context)
            }
        }

        private func respond(_ reply: ReleaseServerReply, version: HTTPVersion, context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            switch reply {
            case let .ok(contentType, body):
                headers.add(name: "Content-Type", value: contentType)
                headers.add(name: "Content-Length", value: "\(body.count)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case .notFound:
                headers.add(name: "Content-Length", value: "0")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .notFound, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case let .redirect(location):
                headers.add(name: "Location", value: location)
                headers.add(name: "Content-Length", value: "0")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .found, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case let .truncated(declared, partial):
                headers.add(name: "Content-Type", value: "application/octet-stream")
                headers.add(name: "Content-Length", value: "\(declared)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))), promise: nil)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: partial))))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            }
        }
    }
}
