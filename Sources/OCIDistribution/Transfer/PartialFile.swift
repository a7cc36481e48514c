import Foundation
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A download's file while it is incomplete: created 0600 with `O_CREAT|O_EXCL` beside its
/// destination (so the final rename stays on one file system and nobody else's file is
/// reused), renamed into place only by ``commit()``, removed by ``discard()``.
final class PartialFile {
    let path: String
    let destination: URL
    private var descriptor: Int32

    init(for destination: URL) throws(DownloadError) {
        let directory = destination.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .localFile(path: directory.path, reason: "cannot create the directory: \(describe(error))")
        }
        self.destination = destination
        path = directory.appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString.prefix(8))").path
        // Private from its first byte: a layer or an archive may hold anything.
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .localFile(path: path, reason: "cannot create the file: \(String(cString: strerror(errno))) (is the directory writable?)")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(DownloadError) {
        if let code = writeAll(descriptor, bytes) {
            throw .localFile(path: path, reason: "cannot write: \(String(cString: strerror(code)))")
        }
    }

    /// Empties the file, for a server that starts the body over.
    func truncate() throws(DownloadError) {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw .localFile(path: path, reason: "cannot truncate: \(String(cString: strerror(errno)))")
        }
    }

    /// fsync, close and rename over the destination: the file appears under its real name
    /// only complete and durable.
    func commit() throws(DownloadError) {
        guard fsync(descriptor) == 0 else {
            throw .localFile(path: path, reason: "cannot flush: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        descriptor = -1
        guard rename(path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .localFile(path: destination.path, reason: "cannot move the download into place: \(reason)")
        }
        AtomicFile.syncDirectory(destination.deletingLastPathComponent())
    }

    /// Closes and removes the file unless it was committed.
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(path)
    }

    deinit { discard() }
}
