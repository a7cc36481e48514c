import Foundation

/// Credentials from environment variables, for CI. With the prefix `P` (a tool names its
/// own, e.g. `OUBLIETTE_REGISTRY`):
/// - `P_HOST`: the one registry these credentials are for (required);
/// - `P_TOKEN`: a bearer token sent as-is (e.g. a GitHub token for ghcr.io);
/// - `P_USER` + `P_PASSWORD`: Basic credentials (a token with a user name is treated as the
///   password, which is how ghcr.io wants personal access tokens).
///
/// Without `P_HOST` the credentials apply to no registry: sending a CI secret to whatever
/// registry an image reference names would hand it to any host a config or catalogue lists.
/// ``unscopedWarning`` says so, for the caller to print once.
package struct EnvironmentCredentials: CredentialSource {
    package let prefix: String
    let environment: [String: String]

    package init(prefix: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.prefix = prefix
        self.environment = environment
    }

    package var tokenVariable: String { "\(prefix)_TOKEN" }
    package var userVariable: String { "\(prefix)_USER" }
    package var passwordVariable: String { "\(prefix)_PASSWORD" }
    package var hostVariable: String { "\(prefix)_HOST" }

    package func credentials(for registry: String) async throws -> RegistryCredentials? {
        guard let host = nonEmpty(hostVariable), RegistryHost.matches(host, registry) else { return nil }
        let user = nonEmpty(userVariable)
        if let user, let password = nonEmpty(passwordVariable) ?? nonEmpty(tokenVariable) {
            return .basic(username: user, password: password)
        }
        if let token = nonEmpty(tokenVariable) { return .registryToken(token) }
        return nil
    }

    package func setupHint(for registry: String) -> String? {
        "set \(hostVariable)=\(registry) with \(tokenVariable) (or \(userVariable) and \(passwordVariable))"
    }

    /// A warning when secrets are set but no host scopes them (so they are not used).
    package var unscopedWarning: String? {
        guard nonEmpty(hostVariable) == nil else { return nil }
        let set = [tokenVariable, userVariable, passwordVariable].filter { nonEmpty($0) != nil }
        guard !set.isEmpty else { return nil }
        return "\(set.joined(separator: ", ")) \(set.count == 1 ? "is" : "are") set but \(hostVariable) is not, "
            + "so no registry is sent them; set \(hostVariable) to the registry they are for (e.g. ghcr.io)"
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = environment[key], !value.isEmpty else { return nil }
        return value
    }
}
