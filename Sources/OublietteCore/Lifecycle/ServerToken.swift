import Foundation
import SystemSupport

/// The bearer token that guards the MCP server's HTTP transport: 32 random bytes as hex in
/// `server-token` in the data directory, readable by the owner only.
public enum ServerToken {
    public static func file(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("server-token")
    }

    /// The existing token, if there is a readable, non-empty one.
    public static func read(dataDirectory: URL) -> String? {
        guard let text = try? String(contentsOf: file(in: dataDirectory), encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Returns the existing token, or creates one. `created` says which.
    public static func ensure(dataDirectory: URL) throws -> (token: String, created: Bool) {
        if let token = read(dataDirectory: dataDirectory) { return (token, false) }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let url = file(in: dataDirectory)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(Data("\(token)\n".utf8), to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        return (token, true)
    }
}
