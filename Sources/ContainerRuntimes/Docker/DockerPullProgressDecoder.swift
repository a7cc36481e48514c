import Foundation
import OCIDistribution
import SystemSupport

/// Turns the body of `POST /images/create` into ``PullEvent``s.
///
/// The daemon streams one JSON object per line and keeps HTTP status 200 even when the pull
/// fails halfway: the failure arrives as a line carrying `error`/`errorDetail`, which this
/// decoder turns into ``RuntimeError/pullFailed(image:message:)``. Bytes may arrive split
/// anywhere, so input is buffered until a newline.
package struct DockerPullProgressDecoder: Sendable {
    private let image: String
    private var buffer: [UInt8] = []

    /// `image` is the reference named in errors.
    package init(image: String) {
        self.image = image
    }

    /// Feeds more body bytes; returns the events completed by them.
    package mutating func feed(_ bytes: some Sequence<UInt8>) throws(RuntimeError) -> [PullEvent] {
        buffer.append(contentsOf: bytes)
        var events: [PullEvent] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(buffer[..<newline])
            buffer.removeSubrange(...newline)
            if let event = try decodeLine(line) { events.append(event) }
        }
        return events
    }

    /// Call at end of body: decodes a last line that had no trailing newline.
    package mutating func finish() throws(RuntimeError) -> [PullEvent] {
        let rest = buffer
        buffer = []
        return try decodeLine(rest).map { [$0] } ?? []
    }

    private func decodeLine(_ line: [UInt8]) throws(RuntimeError) -> PullEvent? {
        let trimmed = line.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") })
        guard !trimmed.isEmpty, !trimmed.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { return nil }
        let message: Message
        do {
            message = try JSONCoding.decode(Message.self, from: Data(trimmed))
        } catch {
            throw .invalidResponse(operation: "pulling \(image)", detail: "progress line is not JSON: \(String(decoding: trimmed.prefix(200), as: UTF8.self))")
        }
        if let failure = message.errorDetail?.message ?? message.error {
            throw .pullFailed(image: image, message: failure)
        }
        guard let status = message.status else { return nil }
        return PullEvent(
            layer: message.id,
            status: status,
            current: message.progressDetail?.current,
            total: message.progressDetail?.total
        )
    }

    private struct Message: Decodable {
        var status: String?
        var id: String?
        var progressDetail: ProgressDetail?
        var error: String?
        var errorDetail: ErrorDetail?
    }

    private struct ProgressDetail: Decodable {
        var current: Int64?
        var total: Int64?
    }

    private struct ErrorDetail: Decodable {
        var code: Int?
        var message: String?
    }
}
