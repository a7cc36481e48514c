import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SystemSupport

extension RegistryClient {
    /// Blob transfers may legitimately take long; each request is bounded anyway by chunking.
    static let blobTimeout: TimeAmount = .minutes(30)
    /// Largest blob `blob(repository:digest:)` keeps in memory.
    static let inMemoryBlobLimit = 64 << 20

    private nonisolated func blobURL(_ repository: RepositoryName, _ digest: Digest) -> String {
        "\(baseURL)/v2/\(repository)/blobs/\(digest)"
    }

    /// `HEAD` a blob: whether this repository already has it.
    package nonisolated func blobExists(repository: RepositoryName, digest: Digest) async throws -> Bool {
        let request = RegistryRequest(
            method: .HEAD, url: blobURL(repository, digest), scopes: [Self.pullScope(repository)],
            label: "HEAD blob \(repository)@\(digest)")
        let response = try await send(request)
        switch response.statusCode {
        case 200, 404:
            await response.drain()
            return response.statusCode == 200
        default:
            try await expect(response, [200], request: request, notFound: "blob \(digest)")
            return false
        }
    }

    /// A small blob (an image config) in memory, digest verified.
    package nonisolated func blob(repository: RepositoryName, digest: Digest) async throws -> Data {
        var headers = HTTPHeaders()
        headers.add(name: "Accept-Encoding", value: "identity")
        let request = RegistryRequest(
            method: .GET, url: blobURL(repository, digest), headers: headers,
            scopes: [Self.pullScope(repository)], label: "GET blob \(repository)@\(digest)")
        let response = try await send(request)
        try await expect(response, [200], request: request, notFound: "blob \(repository)@\(digest)")
        let buffer = try await body(of: response, upTo: Self.inMemoryBlobLimit, request: request)
        let data = Data(buffer.readableBytesView)
        let actual = Digest.sha256(of: data)
        guard actual == digest else {
            throw RegistryError.digestMismatch(what: "blob \(registry)/\(repository)@\(digest)", expected: digest.description, actual: actual.description)
        }
        await record {
            $0.blobBytesDownloaded += Int64(data.count); $0.blobsDownloaded += 1
        }
        return data
    }

    /// Streams a blob to `file` through the one ``StreamingDownload``: hashed in flight into a
    /// 0600 file beside it, renamed into place only when the digest matches. A dropped
    /// connection resumes with `Range`.
    package nonisolated func pullBlob(
        repository: RepositoryName, digest: Digest, to file: URL, expectedSize: Int64? = nil,
        progress: TransferProgressHandler? = nil
    ) async throws {
        progress?(.blobStarted(digest: digest, total: expectedSize))
        let label = "GET blob \(repository)@\(digest)"
        let what = "blob \(registry)/\(repository)@\(digest)"
        let url = blobURL(repository, digest)
        // A descriptor's size is both the limit and the length: a hostile registry must not
        // fill the disk before the digest check.
        let download = StreamingDownload(url: url, maximumBytes: expectedSize ?? .max, expectedLength: expectedSize, digest: digest)
        let outcome: StreamingDownload.Outcome
        do {
            outcome = try await download.run(
                to: file,
                fetch: { [self] resumeAt in
                    var headers = HTTPHeaders()
                    headers.add(name: "Accept-Encoding", value: "identity")
                    if resumeAt > 0 { headers.add(name: "Range", value: "bytes=\(resumeAt)-") }
                    let request = RegistryRequest(
                        method: .GET, url: url, headers: headers,
                        scopes: [Self.pullScope(repository)], label: label, timeout: Self.blobTimeout)
                    let response = try await send(request)
                    try await expect(response, [200, 206], request: request, notFound: "blob \(repository)@\(digest)")
                    guard let body = response.stream() else {
                        throw RegistryError.protocolViolation(registry: registry, request: label, reason: "the blob body was already read")
                    }
                    // The server ignored the Range (or answered another one): start over.
                    let startsOver = response.statusCode == 200 || !Self.contentRange(response.headers["Content-Range"].first, startsAt: resumeAt)
                    let length = response.headers["Content-Length"].first.flatMap { Int64($0) }
                    return StreamingDownload.Segment(body: body, length: length, startsOver: startsOver)
                },
                progress: { done, total in progress?(.blobProgress(digest: digest, done: done, total: total)) },
                resume: { [self] failure, attempt in
                    let resumes = attempt - 1
                    guard resumes < retryPolicy.backoff.count else {
                        throw RegistryError.retriesExhausted(
                            registry: registry, request: label, attempts: attempt,
                            lastProblem: "transfer broke at byte \(failure.received): \(failure.reason)")
                    }
                    let delay = retryPolicy.delay(beforeRetry: resumes, retryAfter: nil)
                    logger.debug(
                        "resuming \(label) from byte \(failure.received) after \(failure.reason)",
                        metadata: ["attempt": "\(attempt + 1)", "delay": "\(delay.formattedSeconds)"])
                    try await sleeper.sleep(for: delay)
                    await recordRetry()
                })
        } catch let error as DownloadError {
            throw registryError(error, what: what, request: label)
        }
        await record {
            $0.blobBytesDownloaded += outcome.received; $0.blobsDownloaded += 1
        }
        progress?(.blobFinished(digest: digest, outcome: .downloaded(bytes: outcome.bytes)))
    }

    /// A download's failure in the registry client's terms (the tests and messages of blob
    /// pulls predate the shared download).
    nonisolated func registryError(_ error: DownloadError, what: String, request: String) -> RegistryError {
        switch error {
        case let .tooLarge(_, limit, received):
            return .sizeMismatch(what: "\(what) (the body is larger than its descriptor says; stopped)", expected: limit, actual: received)
        case let .longerThanDeclared(_, expected, received):
            return .sizeMismatch(what: "\(what) (the body is larger than declared; stopped)", expected: expected, actual: received)
        case let .truncated(_, expected, received, _):
            return .sizeMismatch(what: "\(what) (body ended early)", expected: expected, actual: received)
        case let .interrupted(_, received, reason):
            return .transport(registry: registry, request: request, reason: "the transfer broke at byte \(received): \(reason)")
        case let .digestMismatch(_, expected, actual):
            return .digestMismatch(what: what, expected: expected.description, actual: actual.description)
        case let .timedOut(_, limit):
            return .transport(registry: registry, request: request, reason: "the download did not finish within \(limit.formattedSeconds)")
        case let .localFile(path, reason):
            return .localFile(path: path, reason: reason)
        }
    }

    /// Whether a `Content-Range: bytes START-END/TOTAL` answer starts where we asked.
    static func contentRange(_ header: String?, startsAt offset: Int64) -> Bool {
        guard let header else { return false }
        let spec = header.hasPrefix("bytes ") ? header.dropFirst(6) : Substring(header)
        guard let dash = spec.firstIndex(of: "-"), let start = Int64(spec[..<dash]) else { return false }
        return start == offset
    }

    // MARK: Push

    /// Pushes a blob from a file: skipped when present, mounted from `mountFrom` repositories
    /// of this registry when possible, else uploaded (one PUT if small, chunked PATCHes if big).
    @discardableResult
    package nonisolated func pushBlob(
        repository: RepositoryName, file: URL, digest: Digest, size: Int64, mountFrom: [RepositoryName] = [],
        progress: TransferProgressHandler? = nil
    ) async throws -> BlobPushOutcome {
        let source = UploadSource.file(path: file.path)
        return try await pushBlob(repository: repository, source: source, digest: digest, size: size, mountFrom: mountFrom, progress: progress)
    }

    /// Pushes a small in-memory blob (a config, an artifact); the digest is computed.
    @discardableResult
    package nonisolated func pushBlob(
        repository: RepositoryName, data: Data, mountFrom: [RepositoryName] = [],
        progress: TransferProgressHandler? = nil
    ) async throws -> BlobPushOutcome {
        try await pushBlob(
            repository: repository, source: .memory(ByteBuffer(bytes: data)), digest: Digest.sha256(of: data),
            size: Int64(data.count), mountFrom: mountFrom, progress: progress)
    }

    enum UploadSource: Sendable {
        case file(path: String)
        case memory(ByteBuffer)

        func body(offset: Int64, length: Int64, onRead: (@Sendable (Int64) -> Void)?) -> HTTPClientRequest.Body {
            switch self {
            case let .file(path):
                return .stream(FileRangeBytes(path: path, offset: offset, length: length, onRead: onRead), length: .known(length))
            case let .memory(buffer):
                let slice = buffer.getSlice(at: buffer.readerIndex + Int(offset), length: Int(length)) ?? ByteBuffer()
                return .bytes(slice)
            }
        }
    }

    nonisolated func pushBlob(
        repository: RepositoryName, source: UploadSource, digest: Digest, size: Int64, mountFrom: [RepositoryName],
        progress: TransferProgressHandler?
    ) async throws -> BlobPushOutcome {
        progress?(.blobStarted(digest: digest, total: size))
        if try await blobExists(repository: repository, digest: digest) {
            await record { $0.blobsSkipped += 1 }
            progress?(.blobFinished(digest: digest, outcome: .pushed(.existed)))
            return .existed
        }
        var session: UploadSession?
        for from in mountFrom where from != repository {
            let attempt = try await startUpload(repository: repository, mount: (digest, from))
            switch attempt {
            case .mounted:
                if let session { await cancel(session, repository: repository) }
                await record { $0.blobsMounted += 1 }
                progress?(.blobFinished(digest: digest, outcome: .pushed(.mounted(from: from))))
                return .mounted(from: from)
            case let .session(started):
                if session == nil { session = started } else { await cancel(started, repository: repository) }
            }
        }
        if session == nil, case let .session(started) = try await startUpload(repository: repository, mount: nil) {
            session = started
        }
        guard var upload = session else {
            throw RegistryError.protocolViolation(registry: registry, request: "POST blob upload \(repository)", reason: "no upload session")
        }

        if size <= uploadPolicy.monolithicLimit {
            let location = Self.appendingQuery(upload.location, "digest=\(digest)")
            let onRead: @Sendable (Int64) -> Void = { done in progress?(.blobProgress(digest: digest, done: done, total: size)) }
            let request = RegistryRequest(
                method: .PUT, url: location,
                headers: HTTPHeaders([("Content-Type", "application/octet-stream"), ("Content-Length", "\(size)")]),
                body: { source.body(offset: 0, length: size, onRead: onRead) },
                scopes: [Self.pushScope(repository)], label: "PUT blob \(repository)@\(digest)", timeout: Self.blobTimeout)
            let response = try await send(request)
            try await expect(response, [201], request: request, notFound: "upload session for \(digest)")
            await response.drain()
            try verifyStoredDigest(response, digest: digest, repository: repository)
        } else {
            let chunk = max(uploadPolicy.chunkSize, upload.minimumChunk ?? 0)
            var offset: Int64 = 0
            var rangeRecoveries = 0
            var stalledRounds = 0
            while offset < size {
                let length = min(chunk, size - offset)
                let start = offset
                let onRead: @Sendable (Int64) -> Void = { done in progress?(.blobProgress(digest: digest, done: start + done, total: size)) }
                let request = RegistryRequest(
                    method: .PATCH, url: upload.location,
                    headers: HTTPHeaders([
                        ("Content-Type", "application/octet-stream"),
                        ("Content-Range", "\(start)-\(start + length - 1)"),
                        ("Content-Length", "\(length)"),
                    ]),
                    body: { source.body(offset: start, length: length, onRead: onRead) },
                    scopes: [Self.pushScope(repository)], label: "PATCH blob \(repository)@\(digest)",
                    timeout: Self.blobTimeout)
                let response = try await send(request)
                if response.statusCode == 416, rangeRecoveries < 3 {
                    // The registry has a different amount than we think (e.g. a broken earlier
                    // PATCH was partly stored): ask it and continue from there.
                    await response.drain()
                    rangeRecoveries += 1
                    upload = try await uploadStatus(upload, repository: repository)
                    offset = upload.nextOffset ?? 0
                    continue
                }
                try await expect(response, [202, 204], request: request, notFound: "upload session for \(digest)")
                await response.drain()
                if let location = response.headers["Location"].first { upload.location = resolve(location) }
                offset = Self.nextOffset(fromRange: response.headers["Range"].first) ?? (start + length)
                // A registry that keeps accepting chunks without advancing would loop forever.
                if offset <= start {
                    stalledRounds += 1
                    guard stalledRounds < 3 else {
                        throw RegistryError.protocolViolation(
                            registry: registry, request: request.label,
                            reason: "the upload did not advance past byte \(offset) after \(stalledRounds) chunks")
                    }
                } else {
                    stalledRounds = 0
                }
                progress?(.blobProgress(digest: digest, done: offset, total: size))
            }
            let location = Self.appendingQuery(upload.location, "digest=\(digest)")
            let request = RegistryRequest(
                method: .PUT, url: location, headers: HTTPHeaders([("Content-Length", "0")]),
                scopes: [Self.pushScope(repository)], label: "PUT blob \(repository)@\(digest)")
            let response = try await send(request)
            try await expect(response, [201], request: request, notFound: "upload session for \(digest)")
            await response.drain()
            try verifyStoredDigest(response, digest: digest, repository: repository)
        }
        await record {
            $0.blobBytesUploaded += size; $0.blobsUploaded += 1
        }
        progress?(.blobFinished(digest: digest, outcome: .pushed(.uploaded(bytes: size))))
        return .uploaded(bytes: size)
    }

    struct UploadSession: Sendable {
        var location: String
        var minimumChunk: Int64?
        var nextOffset: Int64?
    }

    enum UploadStart: Sendable {
        case mounted
        case session(UploadSession)
    }

    nonisolated func startUpload(repository: RepositoryName, mount: (digest: Digest, from: RepositoryName)?) async throws -> UploadStart {
        var url = "\(baseURL)/v2/\(repository)/blobs/uploads/"
        var scopes = [Self.pushScope(repository)]
        if let mount {
            url += "?mount=\(mount.digest)&from=\(mount.from)"
            scopes.append(Self.pullScope(mount.from))
        }
        let request = RegistryRequest(
            method: .POST, url: url, headers: HTTPHeaders([("Content-Length", "0")]),
            scopes: scopes, label: "POST blob upload \(repository)")
        let response = try await send(request)
        if mount != nil, response.statusCode == 201 {
            await response.drain()
            return .mounted
        }
        try await expect(response, [202], request: request, notFound: "repository \(repository)")
        await response.drain()
        guard let location = response.headers["Location"].first else {
            throw RegistryError.protocolViolation(registry: registry, request: request.label, reason: "202 without a Location header")
        }
        let minimum = response.headers["OCI-Chunk-Min-Length"].first.flatMap { Int64($0) }
        return .session(UploadSession(location: resolve(location), minimumChunk: minimum, nextOffset: 0))
    }

    /// `GET` on the upload URL: how many bytes the registry holds (`Range: 0-N`).
    private nonisolated func uploadStatus(_ session: UploadSession, repository: RepositoryName) async throws -> UploadSession {
        let request = RegistryRequest(
            method: .GET, url: session.location, scopes: [Self.pushScope(repository)],
            label: "GET upload status \(repository)")
        let response = try await send(request)
        try await expect(response, [204, 200], request: request, notFound: "upload session in \(repository)")
        await response.drain()
        var updated = session
        if let location = response.headers["Location"].first { updated.location = resolve(location) }
        // distribution answers "0-0" both for nothing and for one byte; assume nothing.
        let range = response.headers["Range"].first
        updated.nextOffset = range == "0-0" ? 0 : (Self.nextOffset(fromRange: range) ?? 0)
        return updated
    }

    nonisolated func cancel(_ session: UploadSession, repository: RepositoryName) async {
        let request = RegistryRequest(
            method: .DELETE, url: session.location, scopes: [Self.pushScope(repository)],
            label: "DELETE upload \(repository)")
        if let response = try? await send(request) { await response.drain() }
    }

    private nonisolated func verifyStoredDigest(_ response: RegistryResponse, digest: Digest, repository: RepositoryName) throws {
        if let header = response.headers["Docker-Content-Digest"].first, let stored = try? Digest(header), stored != digest {
            throw RegistryError.digestMismatch(what: "blob \(registry)/\(repository) as stored", expected: digest.description, actual: stored.description)
        }
    }

    /// `Range: 0-N` (inclusive end) → N+1.
    static func nextOffset(fromRange header: String?) -> Int64? {
        guard let header else { return nil }
        let spec = header.hasPrefix("bytes=") ? header.dropFirst(6) : Substring(header)
        guard let dash = spec.firstIndex(of: "-"), let end = Int64(spec[spec.index(after: dash)...]) else { return nil }
        return end + 1
    }

    static func appendingQuery(_ url: String, _ item: String) -> String {
        url + (url.contains("?") ? "&" : "?") + item
    }
}

extension RegistryClient {
    /// Tries only a cross-repository mount (no upload): true when the registry mounted the
    /// blob. The same request `pushBlob` starts with; an upload session offered instead is
    /// released.
    package nonisolated func mountBlob(repository: RepositoryName, digest: Digest, from: RepositoryName) async throws -> Bool {
        switch try await startUpload(repository: repository, mount: (digest, from)) {
        case .mounted:
            await record { $0.blobsMounted += 1 }
            return true
        case let .session(unwanted):
            await cancel(unwanted, repository: repository)
            return false
        }
    }
}
