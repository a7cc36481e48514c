import Foundation
import NIOCore
import TestSupport

@testable import ContainerRuntimes

/// The engine routes on TestSupport's `FakeHTTPServer`, listening on a unix socket: plays a
/// Docker daemon for fault injection (errors mid-stream, odd statuses) that a real dockerd
/// will not produce on cue. Records every request it receives.
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

        /// One chunk goes with a Content-Length, several chunked, as dockerd streams progress.
        var fakeResponse: FakeResponse {
            let headers = [("Content-Type", "application/json")]
            let response: FakeResponse =
                chunks.count <= 1
                ? .reply(status: status, headers: headers, body: Array((chunks.first ?? "").utf8))
                : .chunked(status: status, headers: headers, chunks: chunks.map { Array($0.utf8) })
            guard let delay else { return response }
            return .delayed(delay, response)
        }
    }

    let socketPath: String
    private let directory: URL
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var received: [Request] = []
    private var server: FakeHTTPServer?

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
        server = try await FakeHTTPServer.start(unixSocket: socketPath) { request in
            var headers: [String: String] = [:]
            for (name, value) in request.headers { headers[name.lowercased()] = value }
            return self.respond(to: Request(method: request.method, uri: request.uri, headers: headers, body: Data(request.body))).fakeResponse
        }
    }

    func stop() async {
        await server?.shutdown()
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
}
