import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 proxy on 127.0.0.1 in front of a real registry that records every request,
/// so tests observe what reached the registry instead of trusting the client's counters.
///
/// It also makes tag listing really page: distribution 2.8 ignores `n`, so for
/// `GET …/tags/list?n=N[&last=X]` the proxy fetches the full list and answers the next N
/// tags after `last` with a `Link: <…>; rel="next"` header while more remain.
final class RecordingProxy: Sendable {
    struct Entry: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var query: String
        var hadAuthorization: Bool
        var status: Int

        var description: String { "\(method) \(path)\(query.isEmpty ? "" : "?\(query)") -> \(status)" }
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let entries: LockedEntries
    let port: Int
    var address: String { "127.0.0.1:\(port)" }

    /// Everything recorded so far, in the order answered.
    var log: [Entry] { entries.all }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, entries: LockedEntries, port: Int) {
        self.group = group
        self.channel = channel
        self.entries = entries
        self.port = port
    }

    /// What to do with one request (fault injection): forward it to this URI, or answer it.
    enum Route: Sendable {
        case forward(String)
        /// Forward after a pause (a slow registry): holds a pull open for as long as a test needs.
        case forwardAfter(Duration, String)
        case answer(status: Int, body: String)
    }

    /// Starts a proxy forwarding to `upstream` (`host:port`, plain HTTP). `route` sees each
    /// request's method, URI and `User-Agent` and may rewrite or refuse it.
    static func start(
        upstream: String, route: @escaping @Sendable (_ method: String, _ uri: String, _ userAgent: String) -> Route = { _, uri, _ in .forward(uri) }
    ) async throws -> RecordingProxy {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let entries = LockedEntries()
        let forwarder = Forwarder(upstream: upstream, entries: entries, route: route)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(ProxyHandler(forwarder: forwarder))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw CancellationError() }
        return RecordingProxy(group: group, channel: channel, entries: entries, port: port)
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Entries since `mark` (a `log.count` taken earlier).
    func log(since mark: Int) -> [Entry] { Array(log.dropFirst(mark)) }

    final class LockedEntries: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [Entry] = []
        func append(_ entry: Entry) { lock.lock(); entries.append(entry); lock.unlock() }
        var all: [Entry] { lock.lock(); defer { lock.unlock() }; return entries }
    }

    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: ByteBuffer
    }

    struct Forwarder: Sendable {
        let upstream: String
        let entries: LockedEntries
        let route: @Sendable (String, String, String) -> Route

        func handle(method: HTTPMethod, uri original: String, headers: HTTPHeaders, body: ByteBuffer) async -> Response {
            let (path, query) = Self.split(original)
            let uri: String
            switch route(method.rawValue, original, headers["User-Agent"].first ?? "") {
            case let .forward(target): uri = target
            case let .forwardAfter(pause, target):
                try? await Task.sleep(for: pause)
                uri = target
            case let .answer(status, text):
                let response = Response(status: status, headers: [("Content-Type", "application/json")], body: ByteBuffer(string: text))
                entries.append(
                    Entry(method: method.rawValue, path: path, query: query, hadAuthorization: headers.contains(name: "Authorization"), status: status))
                return response
            }
            let response: Response
            do {
                if method == .GET, path.hasSuffix("/tags/list"), let n = Self.queryValue(query, "n").flatMap(Int.init), n > 0 {
                    response = try await page(path: path, headers: headers, n: n, last: Self.queryValue(query, "last"))
                } else {
                    response = try await forward(method: method, uri: uri, headers: headers, body: body)
                }
            } catch {
                response = Response(status: 502, headers: [], body: ByteBuffer(string: "proxy: \(error)"))
            }
            entries.append(
                Entry(
                    method: method.rawValue, path: path, query: query,
                    hadAuthorization: headers.contains(name: "Authorization"), status: response.status))
            return response
        }

        func forward(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: ByteBuffer) async throws -> Response {
            var request = HTTPClientRequest(url: "http://\(upstream)\(uri)")
            request.method = method
            for (name, value) in headers where !["host", "connection", "content-length", "transfer-encoding"].contains(name.lowercased()) {
                request.headers.add(name: name, value: value)
            }
            if body.readableBytes > 0 || [.PUT, .POST, .PATCH].contains(method) {
                request.body = .bytes(body)
            }
            let answer = try await HTTPClient.shared.execute(request, timeout: .minutes(2))
            let bytes = try await answer.body.collect(upTo: 512 << 20)
            var forwarded: [(String, String)] = []
            // A HEAD answer's Content-Length is the size of what a GET would return: keep it.
            let dropped = method == .HEAD ? ["connection", "transfer-encoding"] : ["connection", "content-length", "transfer-encoding"]
            for (name, value) in answer.headers where !dropped.contains(name.lowercased()) {
                // Absolute URLs the registry builds point at itself; keep the client on the proxy.
                forwarded.append((name, value.replacingOccurrences(of: "//\(upstream)/", with: "//\(proxyAddress(headers))/")))
            }
            return Response(status: Int(answer.status.code), headers: forwarded, body: bytes)
        }

        /// The full tag list from upstream, cut into the page after `last`.
        func page(path: String, headers: HTTPHeaders, n: Int, last: String?) async throws -> Response {
            let full = try await forward(method: .GET, uri: path, headers: headers, body: ByteBuffer())
            guard full.status == 200 else { return full }
            struct TagList: Codable { var name: String; var tags: [String]? }
            let list = try JSONDecoder().decode(TagList.self, from: Data(full.body.readableBytesView))
            let remaining = (list.tags ?? []).sorted().filter { last == nil || $0 > (last ?? "") }
            let page = Array(remaining.prefix(n))
            var responseHeaders = full.headers.filter { $0.0.lowercased() != "link" && $0.0.lowercased() != "content-type" }
            responseHeaders.append(("Content-Type", "application/json"))
            if remaining.count > n, let lastOfPage = page.last {
                let encoded = lastOfPage.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? lastOfPage
                responseHeaders.append(("Link", "<\(path)?n=\(n)&last=\(encoded)>; rel=\"next\""))
            }
            let body = try JSONEncoder().encode(TagList(name: list.name, tags: page))
            return Response(status: 200, headers: responseHeaders, body: ByteBuffer(bytes: body))
        }

        func proxyAddress(_ headers: HTTPHeaders) -> String { headers["Host"].first ?? upstream }

        static func split(_ uri: String) -> (String, String) {
            let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
        }

        static func queryValue(_ query: String, _ key: String) -> String? {
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.first.map(String.init) == key {
                    return parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
                }
            }
            return nil
        }
    }

    private final class ProxyHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let forwarder: Forwarder
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(forwarder: Forwarder) { self.forwarder = forwarder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case let .head(head):
                self.head = head
                body = ByteBuffer()
            case var .body(buffer):
                body.writeBuffer(&buffer)
            case .end:
                guard let head else { return }
                let channel = context.channel
                let forwarder = forwarder
                let body = body
                Task {
                    let response = await forwarder.handle(method: head.method, uri: head.uri, headers: head.headers, body: body)
                    var headers = HTTPHeaders(response.headers)
                    if head.method != .HEAD || !headers.contains(name: "Content-Length") {
                        headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.readableBytes)")
                    }
                    let responseHead = HTTPResponseHead(
                        version: head.version, status: HTTPResponseStatus(statusCode: response.status),
                        headers: headers)
                    channel.write(HTTPServerResponsePart.head(responseHead), promise: nil)
                    if head.method != .HEAD, response.body.readableBytes > 0 {
                        channel.write(HTTPServerResponsePart.body(.byteBuffer(response.body)), promise: nil)
                    }
                    channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                }
            }
        }
    }
}
