import Foundation

/// One JSON state file, done one way: reads decode the current file (writes are atomic, so a
/// read never sees half of one); changes re-read, modify and write under ``FileLock`` on a
/// sibling `.lock` file, so two processes never lose each other's updates. The directory is
/// created private (0700) and files get `mode` from their first byte.
public struct JSONStateFile<Value: Codable & Sendable>: Sendable {
    public let url: URL
    public let mode: mode_t
    private let empty: @Sendable () -> Value

    public init(_ url: URL, mode: mode_t = 0o600, empty: @escaping @Sendable () -> Value) {
        self.url = url
        self.mode = mode
        self.empty = empty
    }

    public var lock: FileLock { FileLock(url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).lock")) }

    /// The stored value, or the empty one when there is no file yet.
    public func read() throws(FileError) -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return empty()
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        do {
            return try Self.decoder.decode(Value.self, from: data)
        } catch {
            throw .unreadable(path: url.path, reason: "not valid JSON of the expected shape (\(error.localizedDescription)); delete it to start afresh")
        }
    }

    /// Applies `change` to the current value under the lock and writes the result.
    @discardableResult
    public func update<T>(_ change: (inout Value) throws -> T) throws -> T {
        try DataDirectory.ensure(url.deletingLastPathComponent())
        return try lock.withLock { () throws -> T in
            var value = try read()
            let result = try change(&value)
            let data: Data
            do { data = try Self.encoder.encode(value) } catch {
                throw FileError.unreadable(path: url.path, reason: "cannot encode: \(error.localizedDescription)")
            }
            try AtomicFile.write(data, to: url, mode: mode)
            return result
        }
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Private directories for state: created 0700 whoever creates them first.
public enum DataDirectory {
    public static func ensure(_ directory: URL) throws(FileError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        try ensure(directory.deletingLastPathComponent())
        if mkdir(directory.path, 0o700) != 0, errno != EEXIST {
            throw .posix(path: directory.path, operation: "create the directory", code: errno)
        }
    }
}
