import AsyncHTTPClient
import Foundation
import NIOCore
import OCIDistribution
import SystemSupport

/// `scan --update-db`: downloads per-ecosystem OSV exports (zip) into a staging directory
/// beside the database, reads every member back (inflated, CRC-checked, parsed as OSV), and
/// only then swaps the staging directory in, so a failed or interrupted update leaves the
/// old database as it was.
///
/// The checked export is kept as one zip per ecosystem (`DIR/Debian/all.zip`) rather than a
/// file per record: with 50 000 records, opening 50 000 files made loading IO-bound (3.1 s
/// against 0.75 s from the zip, bench/sbom-scan); `scan --db` reads the zip in place.
package struct AdvisoryDatabaseUpdater: Sendable {
    /// osv.dev's public bucket: one `all.zip` per ecosystem family, records of every release.
    package static func defaultURL(ecosystem: String) -> String {
        "https://osv-vulnerabilities.storage.googleapis.com/\(PackageURL.encode(ecosystem))/all.zip"
    }

    package static let defaultEcosystems = ["Debian", "Alpine"]
    /// Largest export accepted (Debian's is a few hundred MiB at most).
    package static let maximumDownload: Int64 = 2 << 30

    /// A connection to the export's host must be up within this (a host that drops packets).
    package static let connectTimeout: Duration = .seconds(5)
    /// After connecting, the server must answer, and a download in progress must keep
    /// sending, within this (a host that accepts connections and then says nothing).
    package static let answerTimeout: Duration = .seconds(10)
    /// Reading an export back (inflating and parsing every record) stops after this: the
    /// real Debian export takes seconds, a hostile one must not take hours.
    package static let maximumCheckDuration: Duration = .seconds(300)

    /// How the caller should configure the client it passes for `--update-db`: no internal
    /// retries of failed connection attempts (`HTTPClient.shared` retries them until the
    /// request's deadline, so an offline machine waited ~90 s), the connect and answer
    /// deadlines above.
    package static var downloadClientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(connectTimeout.components.seconds)
        configuration.timeout.read = .seconds(answerTimeout.components.seconds)
        return configuration
    }

    /// How far one export's download has come, for a progress display.
    package struct Progress: Sendable, Equatable {
        package enum Phase: Sendable, Equatable { case connecting, downloading, checking, done }
        /// The export's short name (`Debian`), the directory it lands in.
        package let name: String
        package let url: String
        package let phase: Phase
        package let received: Int64
        /// The size the server announced, when it did.
        package let total: Int64?

        package init(name: String, url: String, phase: Phase, received: Int64, total: Int64?) {
            self.name = name
            self.url = url
            self.phase = phase
            self.received = received
            self.total = total
        }
    }

    package var httpClient: HTTPClient
    /// The whole transfer of one export (a slow but live download is not cut short sooner).
    package var timeout: TimeAmount
    /// Receives progress, at most every 0.1 s while bytes arrive, and at each phase change.
    package var onProgress: (@Sendable (Progress) -> Void)?
    package var checkDuration: Duration

    package init(
        httpClient: HTTPClient, timeout: TimeAmount = .minutes(10),
        checkDuration: Duration = AdvisoryDatabaseUpdater.maximumCheckDuration, onProgress: (@Sendable (Progress) -> Void)? = nil
    ) {
        self.httpClient = httpClient
        self.timeout = timeout
        self.checkDuration = checkDuration
        self.onProgress = onProgress
    }

    /// Replaces `directory` with the records of `urls` (each a zip export). The directory
    /// each export lands in is named after the URL's parent path component (`Debian`).
    package func update(directory: URL, urls: [String], now: Date = Date()) async throws -> AdvisoryDatabaseMetadata {
        let parent = directory.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw InventoryError.localFile(path: parent.path, reason: "cannot create the directory: \(describe(error))")
        }
        let token = UUID().uuidString.prefix(8)
        let staging: URL
        do { staging = try TemporaryDirectory.create(in: parent, prefix: ".\(directory.lastPathComponent).staging-") } catch {
            throw InventoryError.localFile(path: parent.path, reason: "cannot create the staging directory: \(error)")
        }
        // Renamed into place on success; whatever is left here on any other path goes.
        defer { TemporaryDirectory.remove(staging) }
        var sources: [AdvisoryDatabaseMetadata.Source] = []
        var usedNames = Set<String>()
        for (number, url) in urls.enumerated() {
            var name = Self.directoryName(for: url, fallback: "source-\(number + 1)")
            if usedNames.contains(name) { name += "-\(number + 1)" }
            usedNames.insert(name)
            let target = staging.appendingPathComponent(name)
            do { try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true) } catch {
                throw InventoryError.localFile(path: target.path, reason: "cannot create the directory: \(describe(error))")
            }
            let zip = target.appendingPathComponent("all.zip")
            let received = try await download(url, name: name, to: zip)
            onProgress?(Progress(name: name, url: url, phase: .checking, received: received, total: received))
            let records = try Self.check(zip, within: checkDuration)
            onProgress?(Progress(name: name, url: url, phase: .done, received: received, total: received))
            sources.append(AdvisoryDatabaseMetadata.Source(url: url, directory: name, records: records))
        }
        let metadata = AdvisoryDatabaseMetadata(updated: now, sources: sources)
        let encoder = JSONCoding.encoder(.state)
        do {
            try encoder.encode(metadata).write(to: staging.appendingPathComponent(AdvisoryDatabaseMetadata.fileName), options: .atomic)
        } catch {
            throw InventoryError.localFile(path: staging.path, reason: "cannot write the metadata: \(describe(error))")
        }
        try Self.swap(staging, into: directory, token: String(token))
        return metadata
    }

    /// Two renames: the old database moves aside, the new one takes its name, the old one
    /// is removed. A reader sees the old or the new database, never a mix.
    static func swap(_ staging: URL, into directory: URL, token: String) throws {
        let manager = FileManager.default
        let old = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).old-\(token)")
        let hadOld = manager.fileExists(atPath: directory.path)
        do {
            if hadOld { try manager.moveItem(at: directory, to: old) }
            try manager.moveItem(at: staging, to: directory)
        } catch {
            if hadOld && !manager.fileExists(atPath: directory.path) { try? manager.moveItem(at: old, to: directory) }
            throw InventoryError.localFile(path: directory.path, reason: "cannot put the new database in place: \(describe(error))")
        }
        if hadOld { try? manager.removeItem(at: old) }
    }

    static func directoryName(for url: String, fallback: String) -> String {
        let components = (URL(string: url)?.pathComponents ?? []).filter { $0 != "/" }
        let candidate = components.count >= 2 ? components[components.count - 2] : fallback
        let decoded = candidate.removingPercentEncoding ?? candidate
        let safe = String(decoded.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        return safe.isEmpty || safe.hasPrefix(".") ? fallback : safe
    }

    /// Downloads `url` into `file` through the one ``StreamingDownload`` (0600, renamed into
    /// place only when complete, at most ``maximumDownload``, within ``timeout``); returns the
    /// bytes received.
    private func download(_ url: String, name: String, to file: URL) async throws -> Int64 {
        let client = httpClient
        let timeout = self.timeout
        let onProgress = self.onProgress
        onProgress?(Progress(name: name, url: url, phase: .connecting, received: 0, total: nil))
        let throttle = ProgressThrottle(interval: .milliseconds(100))
        let download = StreamingDownload(
            url: url, maximumBytes: Self.maximumDownload, deadline: timeout.duration, answerTimeout: Self.answerTimeout)
        let outcome: StreamingDownload.Outcome
        do {
            outcome = try await download.run(
                to: file,
                fetch: { _ in
                    let response: HTTPClientResponse
                    do { response = try await client.execute(HTTPClientRequest(url: url), timeout: timeout) } catch {
                        if error is CancellationError { throw error }
                        throw InventoryError.unreachable(
                            url: url, reason: NetworkProblem.phrase(error, connectTimeout: Self.connectTimeout, answerTimeout: Self.answerTimeout))
                    }
                    guard response.status == .ok else {
                        throw InventoryError.download(url: url, reason: "the server answered \(response.status.code) \(response.status.reasonPhrase)")
                    }
                    let total = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
                    onProgress?(Progress(name: name, url: url, phase: .downloading, received: 0, total: total))
                    return StreamingDownload.Segment(body: response.body, length: total)
                },
                progress: { received, total in
                    guard let onProgress, throttle.due() else { return }
                    onProgress(Progress(name: name, url: url, phase: .downloading, received: received, total: total))
                })
        } catch let error as DownloadError {
            switch error {
            case .tooLarge:
                throw InventoryError.download(url: url, reason: "the export is larger than \(Self.maximumDownload >> 30) GiB; stopped")
            case let .localFile(path, reason):
                throw InventoryError.localFile(path: path, reason: reason)
            case .truncated, .interrupted, .longerThanDeclared, .timedOut, .digestMismatch:
                throw InventoryError.download(
                    url: url, reason: "the transfer broke after \(error.received) bytes (\(error.reason)); run the update again")
            }
        }
        onProgress?(Progress(name: name, url: url, phase: .downloading, received: outcome.bytes, total: outcome.bytes))
        return outcome.bytes
    }

    /// Reads every `.json` member of the export and parses it as an OSV record; returns how
    /// many. A member that does not read or parse fails the update (a damaged export must not
    /// silently shrink the database).
    /// Stops with an error naming the limit once `within` has passed.
    static func check(_ zip: URL, within limit: Duration = maximumCheckDuration) throws -> Int {
        let archive = try ZipArchive(contentsOf: zip)
        let started = ContinuousClock.now
        var count = 0
        for member in archive.members where member.name.hasSuffix(".json") {
            guard ContinuousClock.now - started <= limit else {
                throw InventoryError.badArchive(
                    file: zip.path,
                    reason: "reading its \(archive.members.count) members took longer than \(limit.formattedSeconds), the limit for an export "
                        + "(\(count) read); not an osv.dev export")
            }
            _ = try OSVParser.parse(try archive.contents(of: member), file: "\(zip.lastPathComponent)!\(member.name)")
            count += 1
        }
        return count
    }
}

/// Lets a progress report through at most once per interval (the download reports every
/// buffer; a display needs a few a second).
private final class ProgressThrottle: @unchecked Sendable {
    private let lock = NSLock()
    private let interval: Duration
    private var last = ContinuousClock.now

    init(interval: Duration) { self.interval = interval }

    func due() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        guard now - last >= interval else { return false }
        last = now
        return true
    }
}

extension TimeAmount {
    fileprivate var duration: Duration { .nanoseconds(nanoseconds) }
}
