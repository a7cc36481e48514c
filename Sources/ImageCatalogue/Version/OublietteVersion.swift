import CBuildVersion

/// The version this oubliette was built as, stamped at build time (see the CBuildVersion
/// target): the release tag's version in published binaries, `0.0.0-dev[+commit]` otherwise.
package enum OublietteVersion {
    package static let current = String(cString: oubliette_build_version())
    /// The git commit of a stamped build; empty when the build was not stamped.
    package static let commit = String(cString: oubliette_build_commit())
    /// The image label that carries the release version.
    package static let label = "org.opencontainers.image.version"

    /// What `--version` prints: the version, and the commit when it is not already in it.
    package static var longDescription: String {
        commit.isEmpty || current.contains(commit) ? current : "\(current) (\(commit))"
    }

    /// Unreleased builds (`0.0.0-dev…`) carry no release to compare images with.
    package static func isDevelopment(_ version: String) -> Bool {
        version.hasPrefix("0.0.0-dev") || version.hasPrefix("v0.0.0-dev")
    }
}
