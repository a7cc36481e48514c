import Foundation
import ImageCatalogue
import SystemSupport

/// The newest released CLI version as `oubliette status` shows it: asked at most once a day
/// (the answer and the time are kept in `cli-release-check.json` in the data directory),
/// within the caller's deadline, so an offline machine only loses that one bounded wait.
package actor CLIReleaseCheck {
    package typealias Lookup = @Sendable (Duration) async throws -> String?

    struct Stamp: Codable, Sendable {
        var checkedAt: Date?
        var latest: String?
        enum CodingKeys: String, CodingKey { case checkedAt = "checked_at", latest }
    }

    package nonisolated let file: URL
    package let interval: TimeInterval
    private let state: JSONStateFile<Stamp>
    private let lookup: Lookup
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - dataDirectory: where `cli-release-check.json` is kept.
    ///   - interval: seconds an answer is reused before the releases API is asked again.
    ///   - lookup: the newest stable version; by default from the releases API
    ///     (`OUBLIETTE_RELEASES_URL`), the request bounded by the deadline it is given.
    ///   - now: the clock that stamps each question and ages the last answer.
    package init(
        dataDirectory: URL, interval: TimeInterval = 86_400, lookup: Lookup? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        file = dataDirectory.appendingPathComponent("cli-release-check.json")
        self.interval = interval
        state = JSONStateFile(file, mode: 0o644, empty: { Stamp() })
        self.lookup =
            lookup ?? { deadline in
                let releases = try await ReleaseCatalog.fromEnvironment(apiTimeout: deadline).releases()
                return releases.first { !$0.prerelease && $0.version?.isPrerelease == false }?.version?.description
            }
        self.now = now
    }

    /// The newest known release and, when this run's question failed, why.
    package func latest(deadline: Duration) async -> (latest: String?, error: String?) {
        let stamp = (try? state.read()) ?? Stamp()
        let time = now()
        if let checked = stamp.checkedAt, checked <= time, time.timeIntervalSince(checked) < interval {
            return (stamp.latest, nil)
        }
        let lookup = self.lookup
        let found: String?
        let failure: String?
        switch await withDeadline(deadline, { try await lookup(deadline) }) {
        case let .finished(.success(value)): found = value; failure = nil
        case let .finished(.failure(error)): found = stamp.latest; failure = "offline: \(describe(error))"
        case .timedOut: found = stamp.latest; failure = "offline: the releases API did not answer within \(deadline.formattedSeconds)"
        }
        // Failed questions are stamped too: "at most once a day" holds offline as well. A lost
        // stamp only means one more question next time.
        _ = try? state.update { $0 = Stamp(checkedAt: time, latest: found) }
        return (found, failure)
    }
}

/// How this CLI relates to the newest release and to the images it runs.
package struct CLIStatus: Sendable, Encodable, Equatable {
    package let version: String
    /// The newest stable release known; nil when never learnt (or the check is off).
    package let latest: String?
    package let updateAvailable: Bool
    package let checkError: String?
    /// One line per type whose image version label differs from this CLI's version, naming
    /// the command that brings them together.
    package let versionNotes: [String]

    enum CodingKeys: String, CodingKey {
        case version, latest, updateAvailable = "update_available", checkError = "check_error", versionNotes = "version_notes"
    }

    package init(version: String, latest: String?, checkError: String?, imageVersions: [(type: String, version: String?)]) {
        self.version = version
        self.latest = latest
        self.checkError = checkError
        let current = OublietteVersion.isDevelopment(version) ? nil : CLIVersion(version)
        updateAvailable = latest.flatMap(CLIVersion.init).map { newest in current.map { newest > $0 } ?? false } ?? false
        versionNotes = imageVersions.compactMap { type, imageVersion in
            guard case let .mismatch(image, cli) = VersionCompatibility.evaluate(imageVersion: imageVersion, cliVersion: version) else {
                return nil
            }
            // The side that is older names the fix; versions that do not compare name neither.
            let remedy: String
            switch (CLIVersion(image), current) {
            case let (imageRelease?, cliRelease?) where imageRelease > cliRelease: remedy = "run `oubliette self-update` to get the matching CLI"
            case let (imageRelease?, cliRelease?) where imageRelease < cliRelease: remedy = "run `oubliette update --type \(type)` to get the matching image"
            default: remedy = "use an image and an oubliette of the same version"
            }
            return "\(type): the image is version \(image) but this oubliette is \(cli); \(remedy)"
        }
    }
}
