import Foundation

/// An RFC 6454 origin (scheme, host, port): the unit credentials are scoped to. A registry
/// that names another origin in a `Location` or `Link` header does not get that origin our
/// credentials.
package struct Origin: Sendable, Hashable, CustomStringConvertible {
    package let scheme: String
    package let host: String
    package let port: Int

    package init?(url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        guard let port = components.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil) else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    package var isTLS: Bool { scheme == "https" }

    /// `localhost`, `127.0.0.0/8` or `::1`: traffic that never leaves the machine.
    package var isLoopback: Bool { TransportSecurity.isLoopbackHost(host) }

    package var description: String { "\(scheme)://\(host):\(port)" }
}
