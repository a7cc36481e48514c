import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCIDistribution
import SystemSupport

/// One release as the GitHub releases API describes it (only the fields we use).
public struct PublishedRelease: Decodable, Sendable, Equatable {
    public struct Asset: Decodable, Sendable, Equatable {
        public let name: String
        public let browserDownloadURL: String

        enum CodingKeys: String, CodingKey {
            case name
            case browserDownloadURL = "browser_download_url"
        }
    }

    public let tagName: String
    public let prerelease: Bool
    public let draft: Bool
    public let assets: [Asset]

    enum CodingKeys: String, CodingKey {
        case tagName = "tag_name", prerelease, draft, assets
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tagName = try container.decode(String.self, forKey: .tagName)
        prerelease = try container.decodeIfPresent(Bool.self, forKey: .prerelease) ?? false
        draft = try container.decodeIfPresent(Bool.self, forKey: .draft) ?? false
        assets = try container.decodeIfPresent([Asset].self, forKey: .assets) ?? []
    }

    public var version: CLIVersion? { CLIVersion(tagName) }

    public func asset(named name: String) -> Asset? { assets.first { $0.name == name } }
}

/// Reads the releases API and downloads assets, each wait bounded by a deadline so an
/// offline machine gets an answer, not a hang.
public struct ReleaseCatalog: Sendable {
    /// `OUBLIETTE_RELEASES_URL` overrides it (tests, mirrors).
    public static let defaultBaseURL = "https://api.github.com/repos/hyphagroup/oubliette"

    public let baseURL: String
    public let client: HTTPClient
    /// For the releases list and SHA256SUMS.
    public let apiTimeout: Duration
    /// For one archive download, start to end.
    public let downloadTimeout: Duration

    public init(baseURL: String, client: HTTPClient = .failFast, apiTimeout: Duration = .seconds(15), downloadTimeout: Duration = .seconds(300)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.apiTimeout = apiTimeout
        self.downloadTimeout = downloadTimeout
    }

    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        apiTimeout: Duration = .seconds(15)
    ) -> ReleaseCatalog {
        let base = environment["OUBLIETTE_RELEASES_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultBaseURL
        return ReleaseCatalog(baseURL: base, apiTimeout: apiTimeout)
    }

    public var releasesURL: String { "\(baseURL)/releases?per_page=100" }

    /// Published (non-draft) releases whose tag is a version, newest first.
    public func releases() async throws(SelfUpdateError) -> [PublishedRelease] {
        let url = releasesURL
        let data = try await fetch(url, timeout: apiTimeout, limit: 8 << 20)
        let decoded: [PublishedRelease]
        do {
            decoded = try JSONDecoder().decode([PublishedRelease].self, from: data)
        } catch {
            throw .malformedReleases(url: url, reason: describe(error))
        }
        return decoded.filter { !$0.draft }
            .compactMap { release in release.version.map { (release, $0) } }
            .sorted { $0.1 > $1.1 }
            .map(\.0)
    }

    /// The whole body of a small document (the releases list, SHA256SUMS).
    public func fetch(_ url: String, timeout: Duration, limit: Int) async throws(SelfUpdateError) -> Data {
        let client = self.client
        let outcome = await withDeadline(timeout) { () async throws -> Data in
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/vnd.github+json")
            request.headers.add(name: "User-Agent", value: "oubliette/\(OublietteVersion.current)")
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds) + 1))
            guard response.status == .ok else { throw SelfUpdateError.httpStatus(url: url, status: response.status.code) }
            let expected = response.headers.first(name: "Content-Length").flatMap(Int.init)
            let body = try await response.body.collect(upTo: limit)
            if let expected, body.readableBytes != expected {
                throw SelfUpdateError.truncated(url: url, expected: expected, received: body.readableBytes)
            }
            return Data(body.readableBytesView)
        }
        return try Self.unwrap(outcome, url: url, timeout: timeout)
    }

    /// Streams `url` into `file` (created 0600), checking the length the server declared.
    public func download(_ url: String, to file: URL) async throws(SelfUpdateError) {
        let client = self.client
        let timeout = downloadTimeout
        let outcome: DeadlineOutcome<Bool> = await withDeadline(timeout) { () async throws -> Bool in
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/octet-stream")
            request.headers.add(name: "User-Agent", value: "oubliette/\(OublietteVersion.current)")
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds) + 1))
            guard response.status == .ok else { throw SelfUpdateError.httpStatus(url: url, status: response.status.code) }
            let expected = response.headers.first(name: "Content-Length").flatMap(Int.init)
            guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]),
                let handle = FileHandle(forWritingAtPath: file.path)
            else {
                throw SelfUpdateError.installFailed(path: file.path, reason: "cannot create the download file")
            }
            defer { try? handle.close() }
            var received = 0
            do {
                for try await chunk in response.body {
                    received += chunk.readableBytes
                    try handle.write(contentsOf: Data(chunk.readableBytesView))
                }
            } catch let error as SelfUpdateError {
                throw error
            } catch {
                // A connection closed mid-body is a truncated download, whatever the client calls it.
                if let expected, received < expected { throw SelfUpdateError.truncated(url: url, expected: expected, received: received) }
                throw error
            }
            if let expected, received != expected {
                throw SelfUpdateError.truncated(url: url, expected: expected, received: received)
            }
            return true
        }
        _ = try Self.unwrap(outcome, url: url, timeout: timeout)
    }

    private static func unwrap<T>(_ outcome: DeadlineOutcome<T>, url: String, timeout: Duration) throws(SelfUpdateError) -> T {
        switch outcome {
        case .timedOut:
            throw .timedOut(url: url, seconds: Int(timeout.components.seconds))
        case let .finished(.success(value)):
            return value
        case let .finished(.failure(error)):
            if let error = error as? SelfUpdateError { throw error }
            throw .unreachable(url: url, reason: describe(error))
        }
    }
}
