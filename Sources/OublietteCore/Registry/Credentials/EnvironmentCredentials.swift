import Foundation

/// Credentials from the environment, for CI:
/// - `OUBLIETTE_REGISTRY_TOKEN`: a bearer token sent as-is (e.g. a GitHub token for ghcr.io);
/// - `OUBLIETTE_REGISTRY_USER` + `OUBLIETTE_REGISTRY_PASSWORD`: Basic credentials;
/// - `OUBLIETTE_REGISTRY_HOST` (optional): only answer for this registry.
///
/// A token with a user name is treated as a password (that is how ghcr.io wants PATs).
public struct EnvironmentCredentials: CredentialSource {
    public static let tokenVariable = "OUBLIETTE_REGISTRY_TOKEN"
    public static let userVariable = "OUBLIETTE_REGISTRY_USER"
    public static let passwordVariable = "OUBLIETTE_REGISTRY_PASSWORD"
    public static let hostVariable = "OUBLIETTE_REGISTRY_HOST"

    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func credentials(for registry: String) async throws -> RegistryCredentials? {
        if let host = nonEmpty(Self.hostVariable), !RegistryHost.matches(host, registry) { return nil }
        let user = nonEmpty(Self.userVariable)
        if let user, let password = nonEmpty(Self.passwordVariable) ?? nonEmpty(Self.tokenVariable) {
            return .basic(username: user, password: password)
        }
        if let token = nonEmpty(Self.tokenVariable) { return .registryToken(token) }
        return nil
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = environment[key], !value.isEmpty else { return nil }
        return value
    }
}
