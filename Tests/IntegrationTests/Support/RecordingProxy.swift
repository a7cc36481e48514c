import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

/// The proxy routes on TestSupport's `FakeHTTPServer` (127.0.0.1): an HTTP/1.1 proxy in front
/// of a real registry that records every request, so tests observe what reached the registry
/// instead of trusting the client's counters.
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

    private let server: FakeHTTPServer
    private let entries: LockedEntries
    var port: Int { server.port }
    var address: String { "127.0.0.1:\(port)" }

    /// Everything recorded so far, in the order answered.
    var log: [Entry] { entries.all }

    private init(server: FakeHTTPServer, entries: LockedEntries) {
        self.server = server
        self.entries = entries
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
        let entries = LockedEntries()
        let forwarder = Forwarder(upstream: upstream, entries: entries, route: route)
        let server = try await FakeHTTPServer.start(serving: { request in
            let response = await forwarder.handle(
                method: HTTPMethod(rawValue: request.method), uri: request.uri, headers: request.headers, body: ByteBuffer(bytes: request.body))
            // A HEAD answer keeps upstream's Content-Length (the size a GET would return);
            // otherwise the fake server sets it from the body.
            return .reply(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        })
        return RecordingProxy(server: server, entries: entries)
    }

    func shutdown() async { await server.shutdown() }

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
}
