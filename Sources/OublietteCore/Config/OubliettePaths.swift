import Foundation
import OCIDistribution
import SystemSupport

/// Where oubliette keeps its configuration and data, following the XDG base directories.
package struct OubliettePaths: Sendable, Equatable {
    /// The variable naming the config file; a named file must exist.
    package static let configVariable = "OUBLIETTE_CONFIG"

    package let configFile: URL
    package let dataDirectory: URL

    package init(configFile: URL, dataDirectory: URL) {
        self.configFile = configFile
        self.dataDirectory = dataDirectory
    }

    /// `$OUBLIETTE_CONFIG`, else `$XDG_CONFIG_HOME/oubliette/oubliette.jsonc`, else
    /// `~/.config/oubliette/oubliette.jsonc`; data in `$OUBLIETTE_DATA_DIR`, else
    /// `$XDG_DATA_HOME/oubliette`, else `~/.local/share/oubliette`.
    package static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> OubliettePaths {
        let home = URL(fileURLWithPath: environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory())
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        // The XDG spec: "If an implementation encounters a relative path in any of these
        // variables it should consider the path invalid and ignore it."
        func absolute(_ key: String) -> String? { nonEmpty(key).flatMap { $0.hasPrefix("/") ? $0 : nil } }

        let configFile: URL
        if let explicit = nonEmpty(configVariable) {
            configFile = URL(fileURLWithPath: explicit)
        } else {
            let configHome =
                absolute("XDG_CONFIG_HOME").map { URL(fileURLWithPath: $0) }
                ?? home.appendingPathComponent(".config")
            configFile = configHome.appendingPathComponent("oubliette/oubliette.jsonc")
        }

        let dataDirectory: URL
        if let explicit = nonEmpty("OUBLIETTE_DATA_DIR") {
            dataDirectory = URL(fileURLWithPath: explicit)
        } else {
            let dataHome =
                absolute("XDG_DATA_HOME").map { URL(fileURLWithPath: $0) }
                ?? home.appendingPathComponent(".local/share")
            dataDirectory = dataHome.appendingPathComponent("oubliette")
        }
        return OubliettePaths(configFile: configFile, dataDirectory: dataDirectory)
    }
}

extension OubliettePaths {
    /// Creates the data directory, owner-only, if it does not exist yet.
    package func ensureDataDirectory() throws(PrivateDirectoryError) {
        try PrivateDirectory.ensure(dataDirectory)
    }

    /// See ``PrivateDirectory/ensure(_:)``.
    package static func ensurePrivateDirectory(_ directory: URL) throws(PrivateDirectoryError) {
        try PrivateDirectory.ensure(directory)
    }
}
