import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way a scratch directory is made: `mkdtemp`, so it is 0700 and freshly created
/// (never a directory someone else prepared under a guessable name), and removed on every
/// path by the `withTemporaryDirectory` forms.
package enum TemporaryDirectory {
    /// Creates `parent/prefixXXXXXX` with mode 0700. `parent` must exist.
    package static func create(in parent: URL? = nil, prefix: String) throws(FileError) -> URL {
        let base = parent ?? FileManager.default.temporaryDirectory
        var template = Array(base.appendingPathComponent("\(prefix)XXXXXX").path.utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard let created else { throw .posix(path: base.path, operation: "create a private directory", code: errno) }
        return URL(fileURLWithPath: String(cString: created), isDirectory: true)
    }

    /// Removes `directory` and everything in it; a directory already gone is fine.
    package static func remove(_ directory: URL) {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a fresh 0700 directory (see ``TemporaryDirectory``), removed afterwards
/// whether `body` returns or throws.
package func withTemporaryDirectory<Value>(in parent: URL? = nil, prefix: String, _ body: (URL) throws -> Value) throws -> Value {
    let directory = try TemporaryDirectory.create(in: parent, prefix: prefix)
    defer { TemporaryDirectory.remove(directory) }
    return try body(directory)
}

/// The async form of `withTemporaryDirectory`: the directory is removed
/// after `body` returns, throws or is cancelled.
package func withTemporaryDirectory<Value>(
    in parent: URL? = nil, prefix: String, _ body: (URL) async throws -> Value
) async throws -> Value {
    let directory = try TemporaryDirectory.create(in: parent, prefix: prefix)
    defer { TemporaryDirectory.remove(directory) }
    return try await body(directory)
}
