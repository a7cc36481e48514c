/// Where registry credentials come from (docker config, environment, a chain of those).
package protocol CredentialSource: Sendable {
    /// Credentials for `registry` (host[:port] as written in image references), or nil for anonymous.
    func credentials(for registry: String) async throws -> RegistryCredentials?
    /// How a user gives this source credentials for `registry`, for error messages.
    func setupHint(for registry: String) -> String?
}

extension CredentialSource {
    package func setupHint(for registry: String) -> String? { nil }
}

/// A secret for one registry. `description` never shows the secret.
package enum RegistryCredentials: Sendable, Equatable, CustomStringConvertible {
    case basic(username: String, password: String)
    /// An OAuth2 refresh token (`identitytoken` in docker's config), exchanged at the token realm.
    case identityToken(String)
    /// A bearer token sent to the registry as-is (e.g. a CI token for ghcr.io).
    case registryToken(String)

    package var description: String {
        switch self {
        case let .basic(username, _): return "basic(\(username), \(Redaction.placeholder))"
        case .identityToken: return "identityToken(\(Redaction.placeholder))"
        case .registryToken: return "registryToken(\(Redaction.placeholder))"
        }
    }

    /// The secret strings, so error texts can be scrubbed of them.
    var secrets: [String] {
        switch self {
        case let .basic(_, password): return [password]
        case let .identityToken(token), let .registryToken(token): return [token]
        }
    }
}

/// No credentials: anonymous access everywhere.
package struct AnonymousCredentials: CredentialSource {
    package init() {}
    package func credentials(for registry: String) async throws -> RegistryCredentials? { nil }
}

/// Fixed credentials for one registry (tests, programmatic callers).
package struct StaticCredentials: CredentialSource {
    package let registry: String?
    package let value: RegistryCredentials

    /// `registry` nil means the credentials apply to every registry.
    package init(_ value: RegistryCredentials, registry: String? = nil) {
        self.value = value
        self.registry = registry
    }

    package func credentials(for registry: String) async throws -> RegistryCredentials? {
        guard let own = self.registry else { return value }
        return RegistryHost.matches(own, registry) ? value : nil
    }
}

/// Asks each source in order; the first non-nil answer wins.
package struct ChainedCredentials: CredentialSource {
    package let sources: [any CredentialSource]

    package init(_ sources: [any CredentialSource]) {
        self.sources = sources
    }

    /// Docker's config (`~/.docker/config.json`, its helpers and stores), as docker, skopeo
    /// and crane read it. Tools put their own environment credentials in front.
    package static var standard: ChainedCredentials {
        ChainedCredentials([DockerConfigCredentials()])
    }

    package func setupHint(for registry: String) -> String? {
        let hints = sources.compactMap { $0.setupHint(for: registry) }
        return hints.isEmpty ? nil : hints.joined(separator: ", or ")
    }

    package func credentials(for registry: String) async throws -> RegistryCredentials? {
        for source in sources {
            if let found = try await source.credentials(for: registry) { return found }
        }
        return nil
    }
}

/// Registry host spellings: docker.io's aliases and scheme-prefixed keys in docker's config.
enum RegistryHost {
    static func normalize(_ raw: String) -> String {
        var host = raw
        for prefix in ["https://", "http://"] where host.hasPrefix(prefix) { host.removeFirst(prefix.count) }
        if let slash = host.firstIndex(of: "/") { host = String(host[..<slash]) }
        host = host.lowercased()
        if host == "index.docker.io" || host == "registry-1.docker.io" { return ImageReference.dockerHub }
        return host
    }

    static func matches(_ a: String, _ b: String) -> Bool { normalize(a) == normalize(b) }
}
