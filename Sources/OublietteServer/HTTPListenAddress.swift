import Foundation

/// Where `oubliette serve --transport http` listens: `HOST:PORT`, with IPv6 hosts in
/// brackets (`[::1]:8765`).
package struct HTTPListenAddress: Sendable, Equatable, CustomStringConvertible {
    package static let `default` = HTTPListenAddress(host: "127.0.0.1", port: 8765)

    package let host: String
    package let port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":") else { throw HTTPServeError.invalidAddress(text) }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("[") && !host.contains("]"),
            let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { throw HTTPServeError.invalidAddress(text) }
        self.init(host: host, port: port)
    }

    /// Whether only this machine can reach the address (127.0.0.0/8, ::1, localhost).
    package var isLoopback: Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "0:0:0:0:0:0:0:1" { return true }
        let octets = lowered.split(separator: ".", omittingEmptySubsequences: false)
        // Plain decimal octets only: `UInt8` alone would also take "+1".
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { octet in octet.allSatisfy { ("0"..."9").contains($0) } && UInt8(octet) != nil }
    }

    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
