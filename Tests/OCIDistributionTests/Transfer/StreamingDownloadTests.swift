import AsyncHTTPClient
import Foundation
import NIOCore
import OCIDistribution
import SystemSupport
import TestSupport
import Testing

@Suite struct StreamingDownloadTests {
    static let bytes: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    /// Serves `response` for every request, runs `body` with a fresh directory, shuts down.
    func withServer(
        _ response: @escaping @Sendable (FakeRequest) -> FakeResponse, _ body: (FakeHTTPServer, URL) async throws -> Void
    ) async throws {
        let server = try await FakeHTTPServer.start(response)
        do {
            try await withTemporaryDirectory(prefix: "streaming-download-") { directory in try await body(server, directory) }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func fetch(_ server: FakeHTTPServer, timeout: TimeAmount = .seconds(30)) -> StreamingDownload.Fetch {
        let url = "http://\(server.address)/file"
        return { _ in
            let response = try await HTTPClient.failFast.execute(HTTPClientRequest(url: url), timeout: timeout)
            return StreamingDownload.Segment(body: response.body, length: response.headers.first(name: "Content-Length").flatMap { Int64($0) })
        }
    }

    func download(_ server: FakeHTTPServer, limit: Int64 = 1 << 30, length: Int64? = nil, digest: Digest? = nil, deadline: Duration? = nil)
        -> StreamingDownload
    {
        StreamingDownload(url: "http://\(server.address)/file", maximumBytes: limit, expectedLength: length, digest: digest, deadline: deadline)
    }

    func contents(_ directory: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path) }

    func mode(_ path: String) throws -> Int? { try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }

    /// Runs `body`, returning the DownloadError it throws (recording an issue otherwise).
    func downloadError(_ body: () async throws -> Void) async -> DownloadError? {
        do {
            try await body()
            Issue.record("the download succeeded")
        } catch let error as DownloadError {
            return error
        } catch {
            Issue.record("not a DownloadError: \(error)")
        }
        return nil
    }

    @Test func aCompleteBodyLandsPrivateWithItsDigestAndThePartialFileWasPrivateToo() async throws {
        let bytes = Self.bytes
        try await withServer({ _ in .reply(status: 200, body: bytes) }) { server, directory in
            let target = directory.appendingPathComponent("file")
            let partialModes = Locked<[String: Int]>([:])
            let outcome = try await download(server, length: Int64(bytes.count), digest: .sha256(of: bytes))
                .run(to: target, fetch: fetch(server)) { _, _ in
                    // While bytes arrive the only file is the partial one, and it is 0600.
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? ["(unlistable)"]
                    for name in names {
                        let mode = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path))?[.posixPermissions] as? Int
                        partialModes.withLock { $0[name] = mode ?? -1 }
                    }
                }
            #expect(outcome.bytes == Int64(bytes.count) && outcome.digest == .sha256(of: bytes))
            #expect(try Data(contentsOf: target) == Data(bytes))
            #expect(try mode(target.path) == 0o600)
            let seen = partialModes.current
            #expect(!seen.isEmpty && seen.keys.allSatisfy { $0.hasPrefix(".file.partial-") }, "\(seen)")
            #expect(Set(seen.values) == [0o600], "\(seen)")
            #expect(try contents(directory) == ["file"])
        }
    }

    @Test func aBodyOverTheLimitStopsAtTheFirstBufferPastItAndLeavesNothing() async throws {
        let sent = Locked(0)
        let total = 20 << 20
        try await withServer({ _ in .stream(headers: [], total: total, sent: sent) }) { server, directory in
            let failure = await downloadError {
                try await download(server, limit: 1000).run(to: directory.appendingPathComponent("file"), fetch: fetch(server))
            }
            guard case let .tooLarge(_, limit, received)? = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(limit == 1000 && received > 1000 && received < 1000 + (1 << 20))
            let text = failure.map(\.description) ?? ""
            #expect(text.contains("larger than 1000 bytes"), "\(text)")
            let left = try contents(directory)
            #expect(left.isEmpty, "\(left)")
        }
        #expect(sent.current < total / 2, "the client hung up long before the server was done")
    }

    @Test func aBodyShorterThanItsContentLengthIsTruncationAndLeavesNothing() async throws {
        let partial = Array(Self.bytes.prefix(1000))
        try await withServer({ _ in .truncated(headers: [], declaredLength: 5000, partial: partial) }) { server, directory in
            let failure = await downloadError {
                try await download(server).run(to: directory.appendingPathComponent("file"), fetch: fetch(server))
            }
            guard case let .truncated(url, expected, received, _)? = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(url.contains(server.address) && expected == 5000 && received == 1000)
            let text = failure.map(\.description) ?? ""
            #expect(text.contains("stopped after 1000 of 5000 bytes"), "\(text)")
            let left = try contents(directory)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test func aCompleteBodyShorterOrLongerThanExpectedIsRefused() async throws {
        let bytes = Array(Self.bytes.prefix(1000))
        try await withServer({ _ in .reply(status: 200, body: bytes) }) { server, directory in
            let short = await downloadError {
                try await download(server, length: 2000).run(to: directory.appendingPathComponent("file"), fetch: fetch(server))
            }
            #expect(short == .truncated(url: "http://\(server.address)/file", expected: 2000, received: 1000, reason: "the body ended early"))
            let long = await downloadError {
                try await download(server, length: 500).run(to: directory.appendingPathComponent("file"), fetch: fetch(server))
            }
            guard case .longerThanDeclared(_, 500, _)? = long else {
                Issue.record("\(String(describing: long))")
                return
            }
            let left = try contents(directory)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test func aStalledServerHitsTheDeadlineWhichNamesTheURLAndTheLimit() async throws {
        let partial = Array(Self.bytes.prefix(1000))
        try await withServer({ _ in .stall(headers: [], declaredLength: 100_000, partial: partial) }) { server, directory in
            let started = ContinuousClock.now
            let failure = await downloadError {
                // The client alone would wait 120 s: only the deadline can end it sooner.
                try await download(server, deadline: .milliseconds(500)).run(
                    to: directory.appendingPathComponent("file"), fetch: fetch(server, timeout: .seconds(120)))
            }
            let elapsed = ContinuousClock.now - started
            #expect(failure == .timedOut(url: "http://\(server.address)/file", limit: .milliseconds(500)))
            let text = failure.map(\.description) ?? ""
            #expect(text.contains(server.address) && text.contains("0.5 s"), "\(text)")
            // Generous: on a loaded machine the cancelled transfer takes a while to wind down.
            #expect(elapsed < .seconds(60), "the deadline, not the client's 120 s timeout, ended it: \(elapsed)")
            let left = try contents(directory)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test func aCancelledDownloadLeavesNothing() async throws {
        let partial = Array(Self.bytes.prefix(1000))
        try await withServer({ _ in .stall(headers: [], declaredLength: 100_000, partial: partial) }) { server, directory in
            let arrived = Locked(false)
            let task = Task {
                try await download(server).run(to: directory.appendingPathComponent("file"), fetch: fetch(server)) { _, _ in
                    arrived.withLock { $0 = true }
                }
            }
            let waitUntil = ContinuousClock.now + .seconds(10)
            while !arrived.current, ContinuousClock.now < waitUntil { try await Task.sleep(for: .milliseconds(10)) }
            #expect(arrived.current, "the first bytes arrived")
            #expect(try contents(directory).count == 1, "the partial file exists while the body stalls")
            task.cancel()
            await #expect(throws: (any Error).self) { try await task.value }
            let left = try contents(directory)
            #expect(left.isEmpty, "\(left)")
        }
    }

    @Test func aDigestMismatchLeavesNothingAndDoesNotReplaceAnExistingFile() async throws {
        var corrupted = Self.bytes
        corrupted[10] ^= 0xff
        let served = corrupted
        try await withServer({ _ in .reply(status: 200, body: served) }) { server, directory in
            let target = directory.appendingPathComponent("file")
            try Data("old".utf8).write(to: target)
            let expected = Digest.sha256(of: Self.bytes)
            let failure = await downloadError {
                try await download(server, digest: expected).run(to: target, fetch: fetch(server))
            }
            #expect(failure == .digestMismatch(url: "http://\(server.address)/file", expected: expected, actual: .sha256(of: served)))
            #expect(try contents(directory) == ["file"])
            #expect(try Data(contentsOf: target) == Data("old".utf8))
        }
    }

    @Test func aDestinationThatCannotBeReplacedIsALocalFileErrorAndLeavesNoPartialFile() async throws {
        let bytes = Array(Self.bytes.prefix(1000))
        try await withServer({ _ in .reply(status: 200, body: bytes) }) { server, directory in
            // rename(2) cannot put a file over a non-empty directory.
            let target = directory.appendingPathComponent("file")
            try FileManager.default.createDirectory(at: target.appendingPathComponent("inside"), withIntermediateDirectories: true)
            let failure = await downloadError { try await download(server).run(to: target, fetch: fetch(server)) }
            guard case let .localFile(path, reason)? = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(path == target.path && reason.contains("cannot move the download into place"), "\(reason)")
            #expect(try contents(directory) == ["file"])
        }
    }

    @Test func aBreakResumesWhereItStoppedWhenTheCallerSaysSo() async throws {
        let bytes = Self.bytes
        let requests = Locked<[String?]>([])
        try await withServer({ request in
            requests.withLock { $0.append(request.header("Range")) }
            if let range = request.header("Range"), let start = Int(range.dropFirst(6).dropLast()) {
                return .reply(
                    status: 206, headers: [("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)")], body: Array(bytes[start...]))
            }
            return .reset(headers: [], declaredLength: bytes.count, partial: Array(bytes.prefix(50_000)))
        }) { server, directory in
            let url = "http://\(server.address)/file"
            let target = directory.appendingPathComponent("file")
            let attempts = Locked<[Int]>([])
            let outcome = try await download(server, digest: .sha256(of: bytes)).run(
                to: target,
                fetch: { resumeAt in
                    var request = HTTPClientRequest(url: url)
                    if resumeAt > 0 { request.headers.add(name: "Range", value: "bytes=\(resumeAt)-") }
                    let response = try await HTTPClient.failFast.execute(request, timeout: .seconds(30))
                    return StreamingDownload.Segment(
                        body: response.body, length: response.headers.first(name: "Content-Length").flatMap { Int64($0) },
                        startsOver: response.status.code == 200)
                },
                resume: { failure, attempt in
                    guard case .truncated = failure else { throw failure }
                    attempts.withLock { $0.append(attempt) }
                })
            #expect(outcome.bytes == Int64(bytes.count))
            #expect(try Data(contentsOf: target) == Data(bytes))
            #expect(attempts.current == [1])
            #expect(requests.current.count == 2 && requests.current.last??.hasPrefix("bytes=") == true && requests.current.last != "bytes=0-")
        }
    }
}
