import Foundation
import TestSupport

/// What the fake releases server answers for one path.
enum ReleaseServerReply: Sendable {
    case ok(contentType: String, body: [UInt8])
    case notFound
    /// Declares `declaredLength` bytes, sends `partial`, then closes the connection.
    case truncated(declaredLength: Int, partial: [UInt8])
    /// 302 to `location`.
    case redirect(location: String)
}

/// The releases routes on TestSupport's `FakeHTTPServer` (127.0.0.1, random port): imitates
/// the GitHub releases API and its asset downloads; `routes` maps a path (query stripped) to
/// the reply.
final class FakeReleaseServer: Sendable {
    private let server: FakeHTTPServer
    private let requests: Locked<[String]>

    var port: Int { server.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requestedPaths: [String] { requests.current }

    private init(server: FakeHTTPServer, requests: Locked<[String]>) {
        self.server = server
        self.requests = requests
    }

    static func start(routes: @escaping @Sendable (String) -> ReleaseServerReply) async throws -> FakeReleaseServer {
        let log = Locked<[String]>([])
        let server = try await FakeHTTPServer.start { request in
            log.withLock { $0.append(request.path) }
            return routes(request.path).fakeResponse
        }
        return FakeReleaseServer(server: server, requests: log)
    }

    func shutdown() async { await server.shutdown() }
}

extension ReleaseServerReply {
    var fakeResponse: FakeResponse {
        switch self {
        case let .ok(contentType, body): .reply(status: 200, headers: [("Content-Type", contentType)], body: body)
        case .notFound: .reply(status: 404)
        case let .redirect(location): .reply(status: 302, headers: [("Location", location)])
        case let .truncated(declared, partial):
            .truncated(headers: [("Content-Type", "application/octet-stream")], declaredLength: declared, partial: partial)
        }
    }
}
