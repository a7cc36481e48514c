import Foundation

/// Where oubliette keeps its configuration and data, following the XDG base directories.
public struct OubliettePaths: Sendable, Equatable {
    public let configFile: URL
    public let dataDirectory: URL

    public init(configFile: URL, dataDirectory: URL) {
        self.configFile = configFile
        self.dataDirectory = dataDirectory
    }

    /// `$OUBLIETTE_CONFIG`, else `$XDG_CONFIG_HOME/oubliette/oubliette.jsonc`, else
    /// `~/.config/oubliette/oubliette.jsonc`; data in `$OUBLIETTE_DATA_DIR`, else
    /// `$XDG_DATA_HOME/oubliette`, else `~/.local/share/oubliette`.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> OubliettePaths {
        let home = URL(fileURLWithPath: environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory())
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }

        let configFile: URL
        if let explicit = nonEmpty("OUBLIETTE_CONFIG") {
            configFile = URL(fileURLWithPath: explicit)
        } else {
            let configHome = nonEmpty("XDG_CONFIG_HOME").map { URL(fileURLWithPath: $0) }
                ?? home.appendingPathComponent(".config")
            configFile = configHome.appendingPathComponent("oubliette/oubliette.jsonc")
        }

        let dataDirectory: URL
        if let explicit = nonEmpty("OUBLIETTE_DATA_DIR") {
            dataDirectory = URL(fileURLWithPath: explicit)
        } else {
            let dataHome = nonEmpty("XDG_DATA_HOME").map { URL(fileURLWithPath: $0) }
                ?? home.appendingPathComponent(".local/share")
            dataDirectory = dataHome.appendingPathComponent("oubliette")
        }
        return OubliettePaths(configFile: configFile, dataDirectory: dataDirectory)
    }
}

extension OubliettePaths {
    /// Creates the data directory, owner-only, if it does not exist yet.
    public func ensureDataDirectory() throws(PrivateDirectoryError) {
        try Self.ensurePrivateDirectory(dataDirectory)
    }

    /// Creates `directory` with mode 0700 from the start (mkdir's mode, never a chmod
    /// after, so there is no moment when others could enter it), its missing parents with
    /// the usual mode. An existing directory is left as it is. Every writer of files in the
    /// data directory calls this, so whoever creates it first creates it private.
    public static func ensurePrivateDirectory(_ directory: URL) throws(PrivateDirectoryError) {
        let path = directory.path
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(path: path) }
            return
        }
        let parent = directory.deletingLastPathComponent()
        if parent.path != path {
            do {
                try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            } catch {
                throw .cannotCreate(path: parent.path, reason: error.localizedDescription)
            }
        }
        // EEXIST: another process created it first, with this same code.
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Why the data directory (or another private directory) could not be created.
public enum PrivateDirectoryError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case notADirectory(path: String)

    public var description: String {
        switch self {
        case let .cannotCreate(path, reason):
            "cannot create the directory \(path): \(reason); check the permissions of its parent"
        case let .notADirectory(path):
            "\(path) exists but is not a directory; move it aside or set OUBLIETTE_DATA_DIR elsewhere"
        }
    }

    public var errorDescription: String? { description }
}
