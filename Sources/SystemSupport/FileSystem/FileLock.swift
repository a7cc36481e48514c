import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a lock file, held across processes for the
/// duration of a closure: the one lock every state file's read-modify-write takes.
package struct FileLock: Sendable {
    package let url: URL

    package init(_ url: URL) { self.url = url }

    package func withLock<T, E: Error>(_ body: () throws(E) -> T) throws -> T {
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileError.posix(path: url.path, operation: "open the lock file", code: errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileError.posix(path: url.path, operation: "lock", code: errno) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
