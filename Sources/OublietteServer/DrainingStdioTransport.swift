import Foundation
import Logging
import MCP
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// MCP over stdin/stdout, one JSON-RPC message per line, that answers every request read
/// before stdin closed before it lets the server stop.
///
/// The SDK's `StdioTransport` ends its message stream at EOF, and its server handles each
/// request in a task of its own, so `serve` stopped (and dropped the replies) while requests
/// piped in just before EOF were still being handled; a last line without a newline was lost.
/// Here the stream ends once every request read has been answered (or `drainLimit` passed).
/// Lines that are not JSON are answered here with JSON-RPC's parse error and `"id": null`
/// (JSON-RPC 2.0, 5.1: "If there was an error in detecting the id in the Request object (e.g.
/// Parse error/Invalid Request), it MUST be Null"); so are JSON values that are no message.
package actor DrainingStdioTransport: Transport {
    package nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let drainLimit: Duration
    private let onDrain: @Sendable (String) -> Void
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var connected = false
    private var inputClosed = false
    /// Requests read and not yet answered, by id (a count, should a client reuse an id).
    private var outstanding: [String: Int] = [:]

    /// - Parameters:
    ///   - input: the descriptor messages are read from, a line at a time, on a thread of its own.
    ///   - output: the descriptor each message is written to, followed by a newline.
    ///   - drainLimit: how long, after stdin closed, unanswered requests are waited for.
    ///   - logger: the logger the MCP `Transport` protocol asks every transport for.
    ///   - onDrain: told (for stderr) when stdin closed with requests still being answered,
    ///     and when the wait gave up.
    package init(
        input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, drainLimit: Duration = .seconds(600),
        logger: Logger = Logger(label: "oubliette.mcp.stdio"), onDrain: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.input = input
        self.output = output
        self.drainLimit = drainLimit
        self.logger = logger
        self.onDrain = onDrain
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    package func connect() async throws {
        guard !connected else { return }
        connected = true
        // Blocking reads on a thread of their own: a read waits for the client, not a poll.
        let input = self.input
        Thread.detachNewThread { [weak self] in
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Data(pending[pending.startIndex..<newline])
                    pending = Data(pending[(newline + 1)...])
                    Self.deliver(line, to: self)
                }
            }
            // A last message without its newline is still a message.
            Self.deliver(pending, to: self)
            let transport = self
            Task { await transport?.inputDidClose() }
        }
    }

    /// Hands one line to the actor, in order: the reading thread waits until it is routed.
    private nonisolated static func deliver(_ line: Data, to transport: DrainingStdioTransport?) {
        guard let transport, line.contains(where: { !Self.isSpace($0) }) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            await transport.route(line)
            done.signal()
        }
        done.wait()
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    /// Passes a message to the server, counting the requests it must answer, or answers a
    /// line that is no JSON-RPC message itself.
    private func route(_ line: Data) async {
        guard let value = try? JSONCoding.decode(Value.self, from: line) else {
            await answer(id: nil, code: -32700, message: "Parse error: the line is not JSON")
            return
        }
        switch value {
        case let .object(object):
            if object["method"]?.stringValue != nil {
                if let key = Self.key(object["id"]) { outstanding[key, default: 0] += 1 }
                if object["method"]?.stringValue == "notifications/cancelled", let key = Self.key(object["params"]?.objectValue?["requestId"]) {
                    settle(key)
                }
            } else if object["result"] == nil && object["error"] == nil {
                await answer(id: object["id"], code: -32600, message: "Invalid Request: no method, result or error")
                return
            }
        case let .array(batch):
            guard !batch.isEmpty else {
                await answer(id: nil, code: -32600, message: "Invalid Request: an empty batch")
                return
            }
            for item in batch where item.objectValue?["method"]?.stringValue != nil {
                if let key = Self.key(item.objectValue?["id"]) { outstanding[key, default: 0] += 1 }
            }
        default:
            await answer(id: nil, code: -32600, message: "Invalid Request: not an object or a batch")
            return
        }
        continuation.yield(line)
    }

    /// A request id as a key (only strings and integers are ids a reply can carry).
    private static func key(_ id: Value?) -> String? {
        switch id {
        case let .string(text): return "s:" + text
        case let .int(number): return "n:\(number)"
        default: return nil
        }
    }

    private func settle(_ key: String) {
        guard let count = outstanding[key] else { return }
        outstanding[key] = count > 1 ? count - 1 : nil
    }

    private func answer(id: Value?, code: Int, message: String) async {
        let identifier: Value = Self.key(id) != nil ? id ?? .null : .null
        let reply: Value = ["jsonrpc": "2.0", "id": identifier, "error": ["code": .int(code), "message": .string(message)]]
        guard let data = try? JSONCoding.encode(reply, as: .canonical) else { return }
        try? await write(data)
    }

    private func inputDidClose() {
        inputClosed = true
        if outstanding.isEmpty {
            continuation.finish()
            return
        }
        let count = outstanding.values.reduce(0, +)
        onDrain("stdin closed; answering the \(count) request\(count == 1 ? "" : "s") still in progress before stopping")
        let limit = drainLimit
        Task { [weak self] in
            try? await Task.sleep(for: limit)
            await self?.giveUp(after: limit)
        }
    }

    private func giveUp(after limit: Duration) {
        guard !outstanding.isEmpty else { return }
        onDrain("stopping: \(outstanding.values.reduce(0, +)) request(s) unanswered \(limit) after stdin closed")
        outstanding = [:]
        continuation.finish()
    }

    package func disconnect() async {
        connected = false
        continuation.finish()
    }

    package func send(_ data: Data) async throws {
        try await write(data)
        // Replies settle their requests; once stdin is closed and none is left, the stream ends.
        if let value = try? JSONCoding.decode(Value.self, from: data) {
            for reply in value.arrayValue ?? [value] {
                guard let object = reply.objectValue, object["method"] == nil, object["result"] != nil || object["error"] != nil else { continue }
                if let key = Self.key(object["id"]) { settle(key) }
            }
        }
        if inputClosed && outstanding.isEmpty { continuation.finish() }
    }

    private func write(_ data: Data) async throws {
        var line = data
        line.append(UInt8(ascii: "\n"))
        var remaining = line[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw MCPError.transportError(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
            }
            remaining = remaining.dropFirst(written)
        }
    }

    package func receive() -> AsyncThrowingStream<Data, any Error> { stream }
}
