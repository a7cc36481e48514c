import Foundation
import TestSupport

/// A static route table on TestSupport's `FakeHTTPServer` (loopback): answers each path from
/// the table (404 otherwise); the table can be changed between requests.
final class StaticHTTPServer: Sendable {
    private let server: FakeHTTPServer
    private let routes: Locked<[String: (Int, Data)]>

    var port: Int { server.port }

    private init(server: FakeHTTPServer, routes: Locked<[String: (Int, Data)]>) {
        self.server = server
        self.routes = routes
    }

    func set(_ path: String, status: Int = 200, _ body: Data) { routes.withLock { $0[path] = (status, body) } }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    static func start() async throws -> StaticHTTPServer {
        let routes = Locked<[String: (Int, Data)]>([:])
        let server = try await FakeHTTPServer.start { request in
            let (status, body) = routes.withLock { $0[request.path] } ?? (404, Data("not found".utf8))
            return .reply(status: status, body: Array(body))
        }
        return StaticHTTPServer(server: server, routes: routes)
    }

    func shutdown() async { await server.shutdown() }
}
