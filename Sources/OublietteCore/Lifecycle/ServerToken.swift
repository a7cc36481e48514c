import Foundation
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bearer token that guards the MCP server's HTTP transport: 32 random bytes as hex in
/// `server-token` in the data directory, readable by the owner only.
package enum ServerToken {
    package static func file(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("server-token")
    }

    /// The existing token, if there is a readable, non-empty one.
    package static func read(dataDirectory: URL) -> String? {
        guard let text = try? String(contentsOf: file(in: dataDirectory), encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// The token for serving: refused when missing, empty, or readable or writable by group
    /// or others (anyone who can read it can drive the server). Mode and content come from
    /// the same open file, so the file checked is the file read.
    package static func loadPrivate(dataDirectory: URL) throws(ServerTokenError) -> String {
        let path = file(in: dataDirectory).path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .missing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: mode) }
        let data = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).readDataToEndOfFile()
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .missing(path: path) }
        return token
    }

    /// Returns the existing token, or creates one. `created` says which.
    ///
    /// The token is written to a temporary file opened `O_CREAT|O_EXCL` with mode 0600 (so
    /// it is private from its first byte; no chmod afterwards), fsynced, then linked into
    /// place: `link` fails if a concurrent `init` got there first, and then its token wins.
    package static func ensure(dataDirectory: URL) throws -> (token: String, created: Bool) {
        if let token = read(dataDirectory: dataDirectory) { return (token, false) }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        try OubliettePaths.ensurePrivateDirectory(dataDirectory)
        let url = file(in: dataDirectory)
        let temporary = dataDirectory.appendingPathComponent(".server-token.new-\(UUID().uuidString.prefix(8))")
        try writeExclusively(Data("\(token)\n".utf8), to: temporary.path)
        defer { unlink(temporary.path) }
        guard link(temporary.path, url.path) == 0 else {
            let code = errno
            // An empty leftover (never written by this code, but possible by hand) is not a token.
            if code == EEXIST, let existing = read(dataDirectory: dataDirectory) { return (existing, false) }
            throw ServerTokenError.unwritable(path: url.path, reason: String(cString: strerror(code)))
        }
        syncDirectory(dataDirectory.path)
        return (token, true)
    }

    private static func writeExclusively(_ data: Data, to path: String) throws(ServerTokenError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { bytes in write(descriptor, bytes.baseAddress, bytes.count) }
        var failure: String?
        if written < 0 {
            failure = String(cString: strerror(errno))
        } else if written != data.count {
            failure = "short write (\(written) of \(data.count) bytes)"
        } else if fsync(descriptor) != 0 {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            unlink(path)
            throw .unwritable(path: path, reason: failure)
        }
    }

    /// So the new name survives a crash; a failure only weakens durability, not the token.
    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

/// Why the server token cannot be used or created.
package enum ServerTokenError: Error, Equatable, Sendable, DescribedError {
    case missing(path: String)
    case tooOpen(path: String, mode: Int)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    package var description: String {
        switch self {
        case let .missing(path):
            "no server token at \(path); run `oubliette init` to create one"
        case let .tooOpen(path, mode):
            "the server token \(path) is accessible by group or others (mode \(String(mode, radix: 8))); "
                + "anyone who can read it can drive the server: run `chmod 600 \(path)` and start again"
        case let .unreadable(path, reason):
            "cannot read the server token \(path): \(reason); check its owner and permissions"
        case let .unwritable(path, reason):
            "cannot write the server token \(path): \(reason); check the data directory's permissions and free space"
        }
    }
}
