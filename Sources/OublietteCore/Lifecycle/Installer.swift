import Foundation
import ImageCatalogue
import SystemSupport

/// What `oubliette init` did to the config file.
package struct InitConfigOutcome: Sendable, Equatable, Encodable {
    package enum Action: String, Sendable, Encodable {
        case written
        /// An existing file was left alone (no `--force`).
        case kept
        /// An existing file was replaced; the old one is at `backup`.
        case replaced
    }

    package let path: String
    package let action: Action
    package let backup: String?
}

/// The file-system half of `oubliette init`: the commented config, the data directory and
/// the server token. Pulling the images is left to ``ImageManager``.
package struct Installer: Sendable {
    package let paths: OubliettePaths
    package let catalogue: ImageCatalogue
    package let devMode: Bool
    package let now: @Sendable () -> Date

    package init(
        paths: OubliettePaths, catalogue: ImageCatalogue = .shipped, devMode: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.paths = paths
        self.catalogue = catalogue
        self.devMode = devMode
        self.now = now
    }

    /// Writes the config unless one exists; with `force` the existing file is first copied
    /// to `oubliette.jsonc.bak-<UTC timestamp>` beside it. `imageSource` is called only
    /// when a file is about to be written, so an existing config is never asked about.
    package func writeConfig(force: Bool, imageSource: (() throws -> ImageSource)? = nil) throws -> InitConfigOutcome {
        let url = paths.configFile
        let fileManager = FileManager.default
        let exists = fileManager.fileExists(atPath: url.path)
        if exists && !force { return InitConfigOutcome(path: url.path, action: .kept, backup: nil) }
        let source = try imageSource?() ?? .prebuilt
        let directory = url.deletingLastPathComponent()
        try FileError.attempt("create the config directory", path: directory.path) {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        var backup: URL?
        if exists {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            var candidate = url.appendingPathExtension("bak-\(formatter.string(from: now()))")
            var counter = 1
            while fileManager.fileExists(atPath: candidate.path) {
                candidate = url.appendingPathExtension("bak-\(formatter.string(from: now()))-\(counter)")
                counter += 1
            }
            try FileError.attempt("back up the config to \(candidate.path)", path: url.path) {
                try fileManager.copyItem(at: url, to: candidate)
            }
            backup = candidate
        }
        try AtomicFile.write(Data(ConfigTemplate.render(catalogue: catalogue, devMode: devMode, imageSource: source).utf8), to: url)
        return InitConfigOutcome(path: url.path, action: exists ? .replaced : .written, backup: backup?.path)
    }

    package func createDataDirectory() throws {
        try paths.ensureDataDirectory()
    }
}
