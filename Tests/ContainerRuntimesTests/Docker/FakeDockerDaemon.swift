import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

@testable import ContainerRuntimes

/// An in-process HTTP server on a unix socket that plays a Docker daemon, for fault
/// injection (errors mid-stream, odd statuses) that a real dockerd will not produce on cue.
/// Records every request it receives.
final class FakeDockerDaemon: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: Data

        var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        var query: [String: String] {
            guard let components = URLComponents(string: uri) else { return [:] }
            return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        }
    }

    struct Response: Sendable {
        var status: Int
        /// Written as separate chunks (chunked encoding) when more than one.
        var chunks: [String]
        /// Answer only after this long (the event loop stays free meanwhile), like a daemon
        /// busy creating or starting a container.
        var delay: TimeAmount?

        init(_ status: Int, _ body: String = "") {
            self.status = status
            self.chunks = [body]
        }

        init(_ status: Int, chunks: [String]) {
            self.status = status
            self.chunks = chunks
        }

        static func json(_ status: Int, _ body: String) -> Response { Response(status, body) }
    }

    let socketPath: String
    private let directory: URL
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var received: [Request] = []
    private var channel: (any Channel)?

    /// Answers `/version` with `apiVersion` and refuses newer versioned paths with 400, as
    /// dockerd does; everything else goes to `handler`.
    init(apiVersion: String = "1.41", handler: @escaping @Sendable (Request) -> Response) throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("fakedocker-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("d.sock").path
        self.handler = { request in
            if request.path == "/version" {
                return .json(200, #"{"Version":"20.10.24+fake","ApiVersion":"\#(apiVersion)","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#)
            }
            if let requested = Self.requestedVersion(request.path), let served = DockerAPIVersion(apiVersion), requested > served {
                return .json(400, #"{"message":"client version \#(requested) is too new. Maximum supported API version is \#(apiVersion)"}"#)
            }
            return handler(request)
        }
    }

    /// `1.41` for `/v1.41/images/…`; nil for unversioned paths.
    static func requestedVersion(_ path: String) -> DockerAPIVersion? {
        guard path.hasPrefix("/v"), let first = path.dropFirst(2).split(separator: "/").first else { return nil }
        return DockerAPIVersion(String(first))
    }

    func start() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(daemon: self))
                }
            }
        channel = try await bootstrap.bind(unixDomainSocketPath: socketPath).get()
    }

    func stop() async {
        try? await channel?.close()
        try? FileManager.default.removeItem(at: directory)
    }

    var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    fileprivate func respond(to request: Request) -> Response {
        lock.lock()
        received.append(request)
        lock.unlock()
        return handler(request)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let daemon: FakeDockerDaemon
        private var head: HTTPRequestHead?
        private var body = Data()

        init(daemon: FakeDockerDaemon) {
            self.daemon = daemon
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case let .head(head):
                self.head = head
                body = Data()
            case var .body(buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let response = daemon.respond(to: Request(method: head.method.rawValue, uri: head.uri, headers: headers, body: body))
                self.head = nil
                if let delay = response.delay {
                    context.eventLoop.assumeIsolated().scheduleTask(in: delay) { self.write(response, head: head, context: context) }
                } else {
                    write(response, head: head, context: context)
                }
            }
        }

        private func write(_ response: Response, head: HTTPRequestHead, context: ChannelHandlerContext) {
            var responseHeaders = HTTPHeaders([("Content-Type", "application/json")])
            if response.chunks.count <= 1 {
                responseHeaders.add(name: "Content-Length", value: String(response.chunks.first?.utf8.count ?? 0))
            }
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: responseHeaders))), promise: nil)
            for chunk in response.chunks where !chunk.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
