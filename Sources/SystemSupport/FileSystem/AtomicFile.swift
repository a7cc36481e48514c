import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-file replacement that never leaves a half-written file behind: the data goes to a
/// temporary file beside the target (created with the final mode, so a secret is never
/// readable by others), is fsynced, renamed over the target, and the directory is fsynced so
/// the rename survives a power cut.
package enum AtomicFile {
    /// Temporary files older than this are leftovers of a crashed writer and are removed;
    /// younger ones may belong to a live writer in another process and are left alone.
    package static let staleAge: TimeInterval = 600

    /// - Parameters:
    ///   - data: the file's whole new contents.
    ///   - url: the file to replace or create; the temporary file goes in its directory.
    ///   - mode: permission bits of the new file (0600 for secrets).
    /// - Throws: ``FileError/posix(path:operation:code:)`` naming the step that failed (create,
    ///   write, chmod, fsync, rename into place); the target is then left as it was.
    package static func write(_ data: Data, to url: URL, mode: mode_t = 0o644) throws(FileError) {
        try write(data, to: url, mode: mode, beforeRename: nil)
    }

    /// `beforeRename` runs once the temporary file is complete: the seam crash tests use to
    /// stop a writer at the worst moment.
    static func write(_ data: Data, to url: URL, mode: mode_t, beforeRename: (@Sendable (URL) -> Void)?) throws(FileError) {
        let directory = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(for: url)
        removeStaleTemporaries(in: directory, prefix: prefix)
        let temporary = directory.appendingPathComponent("\(prefix)\(UUID().uuidString.prefix(8))")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .posix(path: temporary.path, operation: "create", code: errno) }
        let failure: FileError? = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> FileError? in
            if let code = writeAll(descriptor, raw) { return .posix(path: temporary.path, operation: "write", code: code) }
            // The umask may have narrowed the mode; the caller's mode is what it asked for.
            if fchmod(descriptor, mode) != 0 { return .posix(path: temporary.path, operation: "chmod", code: errno) }
            if fsync(descriptor) != 0 { return .posix(path: temporary.path, operation: "fsync", code: errno) }
            return nil
        }
        if let failure {
            close(descriptor)
            unlink(temporary.path)
            throw failure
        }
        close(descriptor)
        beforeRename?(temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw .posix(path: url.path, operation: "rename into place", code: code)
        }
        syncDirectory(directory)
    }

    static func temporaryPrefix(for url: URL) -> String { ".\(url.lastPathComponent).tmp-" }

    /// fsync on the directory makes the rename durable.
    package static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func removeStaleTemporaries(in directory: URL, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        let now = Date()
        for name in names where name.hasPrefix(prefix) {
            let path = directory.appendingPathComponent(name).path
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > staleAge
            else { continue }
            unlink(path)
        }
    }
}

/// A file operation failed; the text names the path, the operation and the system's reason.
package enum FileError: Error, Equatable, Sendable, DescribedError {
    case posix(path: String, operation: String, code: Int32)
    case unreadable(path: String, reason: String)
    /// A Foundation file operation (`operation`: "create the directory") that failed.
    case failed(path: String, operation: String, reason: String)

    /// Runs a Foundation file operation; its error names `path` and what was being done.
    package static func attempt<T>(_ operation: String, path: String, _ body: () throws -> T) throws(FileError) -> T {
        do { return try body() } catch { throw .failed(path: path, operation: operation, reason: describe(error)) }
    }

    package var description: String {
        switch self {
        case let .failed(path, operation, reason):
            "\(path): cannot \(operation): \(reason)"
        case let .posix(path, operation, code):
            "\(path): cannot \(operation): \(String(cString: strerror(code)))"
        case let .unreadable(path, reason):
            "\(path): \(reason)"
        }
    }
}
