import Foundation

/// The release of Apple's `container` CLI, read from `container --version`
/// (`ContainerVersion/ReleaseVersion.swift`: "container CLI version 1.2.2 (build: release,
/// commit: 0190097)"), and the output dialect that release speaks.
struct AppleCLIVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    var major: Int
    var minor: Int
    var patch: Int

    /// The oldest release this adapter drives: 0.12.0 added `--progress plain`.
    static let minimum = AppleCLIVersion(major: 0, minor: 12, patch: 0)

    /// The JSON shapes a release prints.
    enum Dialect: Sendable, Equatable {
        /// 0.12.x: `{reference, descriptor}` image lists, `{name, index, variants}` inspect,
        /// containers without a creation date.
        case legacy
        /// 1.0.0 and later: `{id, configuration, variants}` images, `configuration.creationDate`.
        case current
    }

    /// Parses the `--version` banner; nil when no `x.y.z` follows the word "version".
    init?(banner: String) {
        let words = banner.split(whereSeparator: \.isWhitespace).map(String.init)
        let candidate =
            words.firstIndex(of: "version").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
            ?? words.first(where: { $0.first?.isNumber == true })
        guard let candidate else { return nil }
        // Tolerate pre-release or build suffixes such as 1.3.0-rc1.
        let core = candidate.prefix { $0.isNumber || $0 == "." }
        let numbers = core.split(separator: ".").map { Int($0) }
        guard numbers.count >= 2, numbers.allSatisfy({ $0 != nil }) else { return nil }
        self.init(major: numbers[0] ?? 0, minor: numbers[1] ?? 0, patch: numbers.count > 2 ? numbers[2] ?? 0 : 0)
    }

    init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// A CLI built from source without release metadata reports 0.0.0.
    var isUnversionedBuild: Bool { self == AppleCLIVersion(major: 0, minor: 0, patch: 0) }

    /// The dialect to decode first; the other one is always tried as a fallback.
    var dialect: Dialect { major >= 1 || isUnversionedBuild ? .current : .legacy }

    var isSupported: Bool { isUnversionedBuild || self >= Self.minimum }

    var description: String { "\(major).\(minor).\(patch)" }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}

/// Remembers the CLI version for the lifetime of one runtime, so `--version` runs once.
/// Failures are not remembered: the next operation asks again.
actor AppleCLIVersionCache {
    private var known: AppleCLIVersion?

    func value(orLoad load: @Sendable () async throws -> AppleCLIVersion) async throws -> AppleCLIVersion {
        if let known { return known }
        let loaded = try await load()
        known = loaded
        return loaded
    }
}
