import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain TCP socket, for requests URLSession will not
/// send as written (a chosen `Host`, any method, a body past the server's limit). One
/// request per connection (`Connection: close`), with a receive deadline so a server that
/// never answers fails the test instead of hanging it. The calls that wait on the server
/// (`send`, `readUntilClosed`) block a thread of their own, not a cooperative-pool thread
/// (two on two cores) that every other test's timers and awaits need meanwhile.
enum RawHTTP {
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
    }

    enum Failure: Error, CustomStringConvertible {
        case socket(String, Int32)
        case malformed(String)
        var description: String {
            switch self {
            case let .socket(what, code): "\(what) failed: \(String(cString: strerror(code)))"
            case let .malformed(text): "not an HTTP response: \(text.prefix(200))"
            }
        }
    }

    /// Sends `method path` to `address` (an IPv4 `host` and `port`) with `headers`, in the
    /// order given, and `body`.
    static func send(
        host: String, port: Int, method: String, path: String, headers: [(String, String)],
        body: Data = Data(), timeoutSeconds: Int = 20
    ) async throws -> Response {
        try await onThreadOfItsOwn {
            try sendBlocking(host: host, port: port, method: method, path: path, headers: headers, body: body, timeoutSeconds: timeoutSeconds)
        }
    }

    private static func sendBlocking(
        host: String, port: Int, method: String, path: String, headers: [(String, String)], body: Data, timeoutSeconds: Int
    ) throws -> Response {
        let descriptor = try connect(host: host, port: port, timeoutSeconds: timeoutSeconds)
        defer { close(descriptor) }

        var head = "\(method) \(path) HTTP/1.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try writeAll(Data(head.utf8) + body, to: descriptor)

        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 { received.append(contentsOf: buffer[..<count]); continue }
            if count == 0 { break }
            if errno == EINTR { continue }
            throw Failure.socket("read", errno)
        }
        return try parse(received)
    }

    /// A connected TCP socket with send and receive deadlines.
    static func connect(host: String, port: Int, timeoutSeconds: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.socket("socket", errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure.malformed("address \(host)") }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure.socket("connect \(host):\(port)", errno)
        }

        return descriptor
    }

    /// Sends `text` on a held-open connection (for requests sent in pieces).
    static func write(_ text: String, to descriptor: Int32) throws { try writeAll(Data(text.utf8), to: descriptor) }

    /// Reads until the peer closes the connection or the receive deadline passes: what
    /// arrived, whether the peer closed, and how long the reading thread waited for that
    /// (the server's promptness, without the time this test's task then waits to resume).
    static func readUntilClosed(_ descriptor: Int32) async -> (data: Data, closed: Bool, waited: Duration) {
        await withCheckedContinuation { continuation in
            Thread {
                let started = ContinuousClock.now
                let (data, closed) = readUntilClosedBlocking(descriptor)
                continuation.resume(returning: (data, closed, ContinuousClock.now - started))
            }.start()
        }
    }

    private static func readUntilClosedBlocking(_ descriptor: Int32) -> (data: Data, closed: Bool) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 { received.append(contentsOf: buffer[..<count]); continue }
            if count == 0 { return (received, true) }
            if errno == EINTR { continue }
            return (received, errno == ECONNRESET)
        }
    }

    /// Runs `body` on a new thread and awaits its result.
    private static func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// The status line and headers of a raw answer.
    static func status(of data: Data) throws -> Response { try parse(data) }

    private static func writeAll(_ data: Data, to descriptor: Int32) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    // The server may answer (413) and close before taking the whole body.
                    if errno == EPIPE || errno == ECONNRESET { return }
                    throw Failure.socket("send", errno)
                }
                offset += written
            }
        }
    }

    private static func parse(_ data: Data) throws -> Response {
        let separator = Data("\r\n\r\n".utf8)
        guard let range = data.range(of: separator) else { throw Failure.malformed(String(decoding: data, as: UTF8.self)) }
        let lines = String(decoding: data[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.malformed(lines.first ?? "") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: Data(data[range.upperBound...]))
    }
}
