import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A registry's answer whose body is read at most once.
///
/// An AsyncHTTPClient body is a single-pass stream: iterating it a second time traps the
/// process (a blob HEAD answered 401 once died with SIGILL because the body was drained and
/// then read again for the error text). Every reader of a registry answer goes through
/// this type instead: a bounded `collect` keeps what it read, so a later `collect` (the error
/// text, say) gets the same bytes; after `drain` or `stream` a later read sees an empty body.
/// Read errors become ``RegistryError``s that name the request.
struct RegistryResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    private let body: OnceBody

    var statusCode: Int { Int(status.code) }

    init(_ response: HTTPClientResponse) {
        status = response.status
        headers = response.headers
        body = OnceBody(response.body)
    }

    /// The whole body, at most `limit` bytes (more is `limitExceeded`; a connection that
    /// breaks off is `transport`).
    func collect(upTo limit: Int, registry: String, request: String) async throws -> ByteBuffer {
        switch body.claim() {
        case let .kept(buffer):
            guard buffer.readableBytes <= limit else {
                throw RegistryError.limitExceeded(registry: registry, request: request, limit: "\(limit) bytes of an answer")
            }
            return buffer
        case .gone:
            return ByteBuffer()
        case let .unread(stream):
            do {
                let buffer = try await stream.collect(upTo: limit)
                body.keep(buffer)
                return buffer
            } catch is NIOTooManyBytesError {
                throw RegistryError.limitExceeded(registry: registry, request: request, limit: "\(limit) bytes of an answer")
            } catch let error as CancellationError {
                throw error
            } catch {
                throw RegistryError.transport(
                    registry: registry, request: request,
                    reason: "the answer broke off: \(NetworkProblem.phrase(error))")
            }
        }
    }

    /// The body as a stream for the one reader that processes it incrementally (blob
    /// downloads); nil when something already read it.
    func stream() -> HTTPClientResponse.Body? {
        if case let .unread(stream) = body.claim() { return stream }
        return nil
    }

    /// Reads and discards the body (so the connection can be reused); errors are ignored.
    func drain() async {
        guard case let .unread(stream) = body.claim() else { return }
        do { for try await _ in stream {} } catch {}
    }
}

/// The one-time hand-over of a response body, shared by the copies of a `RegistryResponse`.
private final class OnceBody: @unchecked Sendable {
    enum Claim {
        case unread(HTTPClientResponse.Body)
        case kept(ByteBuffer)
        case gone
    }

    private let lock = NSLock()
    private var state: Claim

    init(_ body: HTTPClientResponse.Body) { state = .unread(body) }

    /// The body for the first caller; later callers get what it kept, or `gone`.
    func claim() -> Claim {
        lock.lock()
        defer { lock.unlock() }
        let current = state
        if case .unread = current { state = .gone }
        return current
    }

    func keep(_ buffer: ByteBuffer) {
        lock.lock()
        defer { lock.unlock() }
        state = .kept(buffer)
    }
}
