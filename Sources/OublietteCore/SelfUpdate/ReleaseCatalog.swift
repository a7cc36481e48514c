import AsyncHTTPClient
import Foundation
import ImageCatalogue
import NIOCore
import NIOHTTP1
import OCIDistribution
import SystemSupport

/// One release as the GitHub releases API describes it (only the fields we use).
package struct PublishedRelease: Decodable, Sendable, Equatable {
    package struct Asset: Decodable, Sendable, Equatable {
        package let name: String
        package let browserDownloadURL: String
        /// The asset's size in bytes as the release declares it; the download is cut off past it.
        package let size: Int?

        enum CodingKeys: String, CodingKey {
            case name, size
            case browserDownloadURL = "browser_download_url"
        }
    }

    package let tagName: String
    package let prerelease: Bool
    package let draft: Bool
    package let assets: [Asset]

    enum CodingKeys: String, CodingKey {
        case tagName = "tag_name", prerelease, draft, assets
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tagName = try container.decode(String.self, forKey: .tagName)
        prerelease = try container.decodeIfPresent(Bool.self, forKey: .prerelease) ?? false
        draft = try container.decodeIfPresent(Bool.self, forKey: .draft) ?? false
        assets = try container.decodeIfPresent([Asset].self, forKey: .assets) ?? []
    }

    package var version: CLIVersion? { CLIVersion(tagName) }

    package func asset(named name: String) -> Asset? { assets.first { $0.name == name } }
}

/// Reads the releases API and downloads assets, each wait bounded by a deadline so an
/// offline machine gets an answer, not a hang.
package struct ReleaseCatalog: Sendable {
    /// `OUBLIETTE_RELEASES_URL` overrides it (tests, mirrors).
    /// This project's GitHub repository, whose release workflow signs the archives.
    package static let defaultRepository = "hyphagroup/oubliette"
    package static let defaultBaseURL = "https://api.github.com/repos/\(defaultRepository)"

    package let baseURL: String
    package let client: HTTPClient
    /// For the releases list and SHA256SUMS.
    package let apiTimeout: Duration
    /// For one archive download, start to end.
    package let downloadTimeout: Duration

    /// The most an archive download may be, whatever the release declares.
    package static let maximumArchiveBytes = 256 << 20
    /// Redirects followed per request (each one checked by ``checkTransport(_:)``).
    package static let maximumRedirects = 5

    /// `failFast` without redirect following: the catalog follows redirects itself, so each
    /// target is checked (no https→http, http only to loopback).
    package static let noRedirectClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    package init(
        baseURL: String, client: HTTPClient = ReleaseCatalog.noRedirectClient, apiTimeout: Duration = .seconds(15), downloadTimeout: Duration = .seconds(300)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.apiTimeout = apiTimeout
        self.downloadTimeout = downloadTimeout
    }

    package static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        apiTimeout: Duration = .seconds(15)
    ) -> ReleaseCatalog {
        let base = environment["OUBLIETTE_RELEASES_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultBaseURL
        return ReleaseCatalog(baseURL: base, apiTimeout: apiTimeout)
    }

    package var releasesURL: String { "\(baseURL)/releases?per_page=100" }

    /// Published (non-draft) releases whose tag is a version, newest first.
    package func releases() async throws(SelfUpdateError) -> [PublishedRelease] {
        let url = releasesURL
        let data = try await fetch(url, timeout: apiTimeout, limit: 8 << 20)
        let decoded: [PublishedRelease]
        do {
            decoded = try JSONCoding.decode([PublishedRelease].self, from: data)
        } catch {
            throw .malformedReleases(url: url, reason: describe(error))
        }
        return decoded.filter { !$0.draft }
            .compactMap { release in release.version.map { (release, $0) } }
            .sorted { $0.1 > $1.1 }
            .map(\.0)
    }

    /// The whole body of a small document (the releases list, SHA256SUMS).
    package func fetch(_ url: String, timeout: Duration, limit: Int) async throws(SelfUpdateError) -> Data {
        let client = self.client
        let outcome = await withDeadline(timeout) { () async throws -> Data in
            let response = try await Self.get(url, accept: "application/vnd.github+json", client: client, timeout: timeout)
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

    /// Streams `url` into `file` through the one ``StreamingDownload`` (0600 from the first
    /// byte, renamed into place only when complete): checks the length the server declared,
    /// stops past `declaredSize` (the release's asset size) or ``maximumArchiveBytes``, and
    /// gives up after ``downloadTimeout``. Returns the file's sha256.
    @discardableResult
    package func download(_ url: String, to file: URL, declaredSize: Int? = nil) async throws(SelfUpdateError) -> Digest {
        let client = self.client
        let timeout = downloadTimeout
        let limit = min(declaredSize ?? Self.maximumArchiveBytes, Self.maximumArchiveBytes)
        let download = StreamingDownload(url: url, maximumBytes: Int64(limit), deadline: timeout)
        do {
            return try await download.run(to: file) { _ in
                let response = try await Self.get(url, accept: "application/octet-stream", client: client, timeout: timeout)
                guard response.status == .ok else { throw SelfUpdateError.httpStatus(url: url, status: response.status.code) }
                let expected = response.headers.first(name: "Content-Length").flatMap(Int64.init)
                // Refused before a byte is stored: the server says up front it is too much.
                if let expected, expected > limit { throw SelfUpdateError.downloadTooLarge(url: url, limit: limit, declared: declaredSize) }
                return StreamingDownload.Segment(body: response.body, length: expected)
            }
            .digest
        } catch let error as SelfUpdateError {
            throw error
        } catch let error as DownloadError {
            switch error {
            case .tooLarge, .longerThanDeclared:
                throw .downloadTooLarge(url: url, limit: limit, declared: declaredSize)
            case let .truncated(_, expected, received, _):
                throw .truncated(url: url, expected: Int(expected), received: Int(received))
            case .timedOut:
                throw .timedOut(url: url, seconds: Int(timeout.components.seconds))
            case let .localFile(path, reason):
                throw .installFailed(path: path, reason: reason)
            case .interrupted, .digestMismatch:
                throw .unreachable(url: url, reason: error.reason)
            }
        } catch {
            throw .unreachable(url: url, reason: describe(error))
        }
    }

    /// GETs `url`, following redirects itself: every URL must pass ``checkTransport(_:)``, and
    /// a redirect from https to plain http is refused, not followed.
    static func get(_ url: String, accept: String, client: HTTPClient, timeout: Duration) async throws -> HTTPClientResponse {
        var current = url
        for _ in 0...maximumRedirects {
            try checkTransport(current)
            var request = HTTPClientRequest(url: current)
            request.headers.add(name: "Accept", value: accept)
            request.headers.add(name: "User-Agent", value: "oubliette/\(OublietteVersion.current)")
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds) + 1))
            guard [301, 302, 303, 307, 308].contains(response.status.code) else { return response }
            guard let location = response.headers.first(name: "Location"),
                let target = URL(string: location, relativeTo: URL(string: current))?.absoluteURL.absoluteString
            else { throw SelfUpdateError.httpStatus(url: current, status: response.status.code) }
            if Self.scheme(of: current) == "https" && Self.scheme(of: target) != "https" {
                throw SelfUpdateError.insecureRedirect(from: current, to: target)
            }
            current = target
        }
        throw SelfUpdateError.tooManyRedirects(url: url, limit: maximumRedirects)
    }

    /// https anywhere; plain http only to a loopback host (tests, a local mirror).
    package static func checkTransport(_ url: String) throws(SelfUpdateError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else { throw .insecureURL(url: url) }
        if scheme == "https" { return }
        guard scheme == "http", let host = parsed.host?.lowercased() else { throw .insecureURL(url: url) }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        let isLoopbackV4 = octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        guard isLoopbackV4 || bare == "::1" || bare == "localhost" else { throw .insecureURL(url: url) }
    }

    private static func scheme(of url: String) -> String? { URL(string: url)?.scheme?.lowercased() }

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
