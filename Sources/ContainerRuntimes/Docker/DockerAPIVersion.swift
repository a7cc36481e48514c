import Foundation

/// A Docker Engine API version such as `1.41`, ordered numerically (`1.9` < `1.41`).
package struct DockerAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let major: Int
    package let minor: Int

    package init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `MAJOR.MINOR`; `nil` for anything else.
    package init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else { return nil }
        self.init(major: major, minor: minor)
    }

    /// The newest API this client is written against.
    package static let clientMaximum = DockerAPIVersion(major: 1, minor: 43)
    /// The oldest API whose endpoints and JSON shapes this client relies on (Docker 19.03).
    package static let clientMinimum = DockerAPIVersion(major: 1, minor: 40)

    /// The version to speak with a daemon advertising `server`: the lower of the two.
    /// Returns `nil` when the daemon is older than `minimum`.
    package static func negotiate(
        client: DockerAPIVersion = clientMaximum,
        server: DockerAPIVersion,
        minimum: DockerAPIVersion = clientMinimum
    ) -> DockerAPIVersion? {
        let chosen = Swift.min(client, server)
        return chosen >= minimum ? chosen : nil
    }

    package static func < (lhs: DockerAPIVersion, rhs: DockerAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    package var description: String { "\(major).\(minor)" }
}
