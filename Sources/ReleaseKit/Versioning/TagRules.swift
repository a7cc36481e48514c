import Foundation
import OCIDistribution

/// Which image tags a version gets, in the spirit of docker/metadata-action's `type=semver`
/// but without its known traps: `latest` never moves for a prerelease or for a backport on
/// an older line, floating `vX.Y`/`vX` only move for the newest release of their line, and
/// there is no floating `v0` (a 0.x major promises nothing).
package struct TagRules: Sendable, Equatable {
    /// Prefix of the image tags (`v` gives `v1.2.3`); may be empty.
    package var prefix: String
    /// Also tag `vX.Y` and `vX` (the latter never for major 0).
    package var floatingMinorMajor: Bool

    package init(prefix: String = "v", floatingMinorMajor: Bool = false) {
        self.prefix = prefix
        self.floatingMinorMajor = floatingMinorMajor
    }

    /// Tags for `version`, full version first, `latest` last.
    ///
    /// - Parameters:
    ///   - version: the version being released.
    ///   - released: every version tagged in the repository (prereleases included,
    ///     `version` itself may or may not be among them).
    /// - Returns: the image tags, `+` in build metadata spelt `_`; only the full version for
    ///   a prerelease.
    package func tags(for version: SemanticVersion, released: [SemanticVersion]) -> [String] {
        var tags = [prefix + Self.tagSafe(version)]
        guard !version.isPrerelease else { return tags }
        let releases = released.filter { !$0.isPrerelease } + [version]
        if floatingMinorMajor {
            let newestOfMinor = releases.filter { $0.major == version.major && $0.minor == version.minor }.max()
            if newestOfMinor == version { tags.append("\(prefix)\(version.major).\(version.minor)") }
            let newestOfMajor = releases.filter { $0.major == version.major }.max()
            if version.major > 0, newestOfMajor == version { tags.append("\(prefix)\(version.major)") }
        }
        if releases.max() == version { tags.append(ImageReference.defaultTag) }
        return tags
    }

    /// Image tags cannot contain `+`; build metadata is kept, joined with `_` so it cannot
    /// collide with a prerelease spelled with `-`.
    static func tagSafe(_ version: SemanticVersion) -> String {
        version.description.replacingOccurrences(of: "+", with: "_")
    }
}
