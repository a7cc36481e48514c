import Foundation

/// Runs `body` with a fresh directory (mode 0700) under the system temporary directory and
/// removes it after `body` returns or throws, so no test leaves a scratch tree behind.
public func withTemporaryDirectory<T>(
    _ prefix: String = "test", isolation: isolated (any Actor)? = #isolation, _ body: (URL) async throws -> T
) async throws -> T {
    let directory = try makeTemporaryDirectory(prefix)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// A fresh directory (mode 0700) named `prefix-<uuid>` under the system temporary directory;
/// the caller removes it (prefer `withTemporaryDirectory`, which always does).
public func makeTemporaryDirectory(_ prefix: String = "test") throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return directory
}
