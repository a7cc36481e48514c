import Foundation
import Logging

/// One JSON state file, done one way: reads decode the current file (writes are atomic, so a
/// read never sees half of one); changes re-read, modify and write under ``FileLock`` on a
/// sibling `.lock` file, so two processes never lose each other's updates. The directory is
/// created private (``PrivateDirectory``) and files get `mode` from their first byte.
package struct JSONStateFile<Value: Codable & Sendable>: Sendable {
    package let url: URL
    package let mode: mode_t
    private let empty: @Sendable () -> Value
    /// Each write at debug (the path and its size).
    package var logger: Logger

    package init(_ url: URL, mode: mode_t = 0o600, logger: Logger = Logger(label: "system.state"), empty: @escaping @Sendable () -> Value) {
        self.url = url
        self.mode = mode
        self.logger = logger
        self.empty = empty
    }

    package var lock: FileLock { FileLock(url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).lock")) }

    /// The stored value, or the empty one when there is no file yet.
    package func read() throws(FileError) -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return empty()
        } catch {
            throw .unreadable(path: url.path, reason: describe(error))
        }
        do {
            return try JSONCoding.decode(Value.self, from: data, as: .state)
        } catch {
            throw .unreadable(path: url.path, reason: "not valid JSON of the expected shape (\(describe(error))); delete it to start afresh")
        }
    }

    /// Applies `change` to the current value under the lock and writes the result.
    @discardableResult
    package func update<T>(_ change: (inout Value) throws -> T) throws -> T {
        try PrivateDirectory.ensure(url.deletingLastPathComponent())
        return try lock.withLock { () throws -> T in
            var value = try read()
            let result = try change(&value)
            let data: Data
            do { data = try JSONCoding.encode(value, as: .state) } catch {
                throw FileError.unreadable(path: url.path, reason: "cannot encode: \(describe(error))")
            }
            try AtomicFile.write(data, to: url, mode: mode)
            logger.debug("wrote \(url.path)", metadata: ["bytes": "\(data.count)"])
            return result
        }
    }
}

/// Directories that hold state or secrets.
package enum PrivateDirectory {
    /// Creates `directory` with mode 0700 from the start (mkdir's mode, never a chmod after,
    /// so there is no moment when others could enter it), its missing parents with the usual
    /// mode. An existing directory is left as it is. Every writer of files in the data
    /// directory calls this, so whoever creates it first creates it private.
    package static func ensure(_ directory: URL) throws(PrivateDirectoryError) {
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
                throw .cannotCreate(path: parent.path, reason: describe(error))
            }
        }
        // EEXIST: another process created it first, with this same code.
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Why the data directory (or another private directory) could not be created.
package enum PrivateDirectoryError: Error, Equatable, Sendable, DescribedError {
    case cannotCreate(path: String, reason: String)
    case notADirectory(path: String)

    package var description: String {
        switch self {
        case let .cannotCreate(path, reason):
            "cannot create the directory \(path): \(reason); check the permissions of its parent"
        case let .notADirectory(path):
            "\(path) exists but is not a directory; move it aside or point the tool's data directory elsewhere"
        }
    }
}
