import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import SystemSupport

/// The one way a response body becomes a file (registry blobs, self-update archives,
/// advisory exports): streamed into a 0600 ``PartialFile`` beside the destination, hashed in
/// flight, cut off past ``maximumBytes``, checked against the length the server declared and
/// the digest the caller expects, bounded by ``deadline``, and renamed into place only when
/// all of that holds. On any failure or cancellation nothing of it is left on disk.
package struct StreamingDownload: Sendable {
    /// One response body to stream, as the caller's `fetch` obtained it.
    package struct Segment: Sendable {
        /// True when the body starts at byte 0 although a resume was asked for (the server
        /// ignored or did not honour the `Range`): what was written is dropped.
        package var startsOver: Bool
        /// The length this body declares (`Content-Length`), when it does.
        package var length: Int64?
        package var body: HTTPClientResponse.Body

        package init(body: HTTPClientResponse.Body, length: Int64?, startsOver: Bool = true) {
            self.body = body
            self.length = length
            self.startsOver = startsOver
        }
    }

    /// What landed.
    package struct Outcome: Sendable, Equatable {
        package let bytes: Int64
        /// Everything the bodies delivered, bytes dropped when a server started over included.
        package let received: Int64
        /// sha256 of the file's content.
        package let digest: Digest
    }

    /// Named in errors (credentials and tokens redacted).
    package var url: String
    /// The most the file may hold; the transfer stops at the first buffer past it.
    package var maximumBytes: Int64
    /// The whole file's length when known beforehand (a descriptor's size): a shorter or
    /// longer result is an error.
    package var expectedLength: Int64?
    /// Checked (sha256) before the rename.
    package var digest: Digest?
    /// The whole download, every resume included.
    package var deadline: Duration?
    /// Named when a read times out (the client's read timeout), for the error text.
    package var answerTimeout: Duration?

    package init(
        url: String, maximumBytes: Int64, expectedLength: Int64? = nil, digest: Digest? = nil, deadline: Duration? = nil,
        answerTimeout: Duration? = nil
    ) {
        self.url = Redaction.redact(url)
        self.maximumBytes = maximumBytes
        self.expectedLength = expectedLength
        self.digest = digest
        self.deadline = deadline
        self.answerTimeout = answerTimeout
    }

    /// Asks for the body from byte `resumeAt` (0 on the first call). Its errors (a refused
    /// request, an unexpected status) end the download as they are.
    package typealias Fetch = @Sendable (_ resumeAt: Int64) async throws -> Segment
    /// Called when a body broke off (``DownloadError/truncated(url:expected:received:reason:)``
    /// or ``DownloadError/interrupted(url:received:reason:)``) before the `attempt`-th resume:
    /// returns (after any backoff) to resume, throws to give up. Without it a break ends the
    /// download.
    package typealias Resume = @Sendable (_ failure: DownloadError, _ attempt: Int) async throws -> Void
    /// Bytes in the file so far and the whole length when known.
    package typealias Progress = @Sendable (_ done: Int64, _ total: Int64?) -> Void

    /// Streams into `file`; see the type's description for what is checked.
    @discardableResult
    package func run(to file: URL, fetch: @escaping Fetch, progress: Progress? = nil, resume: Resume? = nil) async throws -> Outcome {
        guard let deadline else { return try await transfer(to: file, fetch: fetch, resume: resume, progress: progress) }
        let outcome = await withDeadline(deadline) { try await transfer(to: file, fetch: fetch, resume: resume, progress: progress) }
        switch outcome {
        case .timedOut: throw DownloadError.timedOut(url: url, limit: deadline)
        case let .finished(result): return try result.get()
        }
    }

    private func transfer(to file: URL, fetch: Fetch, resume: Resume?, progress: Progress?) async throws -> Outcome {
        let partial = try PartialFile(for: file)
        defer { partial.discard() }
        var hasher = SHA256()
        var written: Int64 = 0
        var received: Int64 = 0
        var total = expectedLength
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let segment = try await fetch(written)
            if segment.startsOver, written > 0 {
                try partial.truncate()
                hasher = SHA256()
                written = 0
            }
            let end = segment.length.map { written + $0 }
            if total == nil, written == 0 { total = segment.length }
            do {
                for try await buffer in segment.body {
                    let after = written + Int64(buffer.readableBytes)
                    // Stop at the first buffer past the limit: a hostile server must not fill
                    // the disk before the digest check.
                    if after > maximumBytes { throw DownloadError.tooLarge(url: url, limit: maximumBytes, received: after) }
                    if let end, after > end { throw DownloadError.longerThanDeclared(url: url, expected: end, received: after) }
                    try buffer.withUnsafeReadableBytes { bytes throws(DownloadError) in
                        hasher.update(bufferPointer: bytes)
                        try partial.write(bytes)
                    }
                    written = after
                    received += Int64(buffer.readableBytes)
                    progress?(written, total)
                }
                if let end, written < end {
                    throw DownloadError.truncated(url: url, expected: end, received: written, reason: "the body ended early")
                }
                break
            } catch {
                if error is CancellationError { throw error }
                let failure: DownloadError
                switch error {
                case let error as DownloadError:
                    guard case .truncated = error else { throw error }
                    failure = error
                default:
                    let reason = NetworkProblem.phrase(error, answerTimeout: answerTimeout)
                    failure =
                        end.map { .truncated(url: url, expected: $0, received: written, reason: reason) }
                        ?? .interrupted(url: url, received: written, reason: reason)
                }
                guard let resume else { throw failure }
                attempt += 1
                try await resume(failure, attempt)
            }
        }
        if let expectedLength, written != expectedLength {
            if written < expectedLength {
                throw DownloadError.truncated(url: url, expected: expectedLength, received: written, reason: "the body ended early")
            }
            throw DownloadError.longerThanDeclared(url: url, expected: expectedLength, received: written)
        }
        let actual = Digest(trustedSHA256Hex: hasher.finalize().hexString)
        if let digest, digest != actual { throw DownloadError.digestMismatch(url: url, expected: digest, actual: actual) }
        try partial.commit()
        return Outcome(bytes: written, received: received, digest: actual)
    }
}
