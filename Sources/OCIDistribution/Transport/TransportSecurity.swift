/// How a registry is reached: the one place that decides between HTTPS and plain HTTP.
package enum TransportSecurity: Sendable, Equatable {
    /// HTTPS, except plain HTTP for loopback registries (`localhost`, `127.0.0.0/8`, `[::1]`).
    case automatic
    /// Always HTTPS.
    case https
    /// Plain HTTP: a registry the user listed as insecure.
    case plainHTTP

    /// `.plainHTTP` for a registry in `insecureRegistries`, else `.automatic`.
    package static func forRegistry(_ registry: String, insecureRegistries: some Collection<String>) -> TransportSecurity {
        insecureRegistries.contains(registry) ? .plainHTTP : .automatic
    }

    /// Whether requests to `registry` go over plain HTTP.
    package func usesPlainHTTP(_ registry: String) -> Bool {
        switch self {
        case .automatic: Self.isLoopback(registry)
        case .https: false
        case .plainHTTP: true
        }
    }

    /// `localhost`, `127.0.0.0/8` and `[::1]`, with or without a port.
    package static func isLoopback(_ registry: String) -> Bool {
        if registry.hasPrefix("[") { return registry.hasPrefix("[::1]") }
        let host = registry.split(separator: ":", maxSplits: 1).first.map(String.init) ?? registry
        return isLoopbackHost(host)
    }

    /// A bare host name or address (no port) that is this machine.
    static func isLoopbackHost(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { UInt8($0) != nil }
    }
}
