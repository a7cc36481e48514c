import Foundation

/// Whole-file replacement that never leaves a half-written file behind.
public enum AtomicFile {
    /// Fault-injection point for crash tests: when this environment variable names the file
    /// being written, the process kills itself after the temporary file is complete and before
    /// the rename — the worst moment to crash.
    public static let crashBeforeRenameVariable = "OUBLIETTE_FAULT_KILL_BEFORE_RENAME"

    /// Writes `data` to a temporary file beside `url`, flushes it, then renames it over `url`.
    /// Temporary files left by an earlier crash are removed first.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).tmp-"
        removeStaleTemporaries(in: directory, prefix: prefix)
        let temporary = directory.appendingPathComponent("\(prefix)\(UUID().uuidString.prefix(8))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        if ProcessInfo.processInfo.environment[crashBeforeRenameVariable] == url.lastPathComponent {
            kill(getpid(), SIGKILL)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    private static func removeStaleTemporaries(in directory: URL, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
