import Foundation
import OCIDistribution
import SystemSupport

/// Registry credentials in the form an engine takes them while pulling.
package enum RegistryAuth: Sendable, Equatable, CustomStringConvertible {
    case basic(username: String, password: String, serverAddress: String)
    /// An OAuth refresh/identity token, as `docker login` stores for some registries.
    case identityToken(String, serverAddress: String)
    /// A bearer token the engine sends to the registry as-is.
    case registryToken(String, serverAddress: String)

    /// Docker Hub's credentials are keyed by this legacy address in the engine.
    package static let dockerHubServerAddress = "https://index.docker.io/v1/"

    /// `credentials` for the registry `registry` (host[:port] as in image references).
    package init(_ credentials: RegistryCredentials, registry: String) {
        let server = registry == ImageReference.dockerHub ? Self.dockerHubServerAddress : registry
        switch credentials {
        case let .basic(username, password): self = .basic(username: username, password: password, serverAddress: server)
        case let .identityToken(token): self = .identityToken(token, serverAddress: server)
        case let .registryToken(token): self = .registryToken(token, serverAddress: server)
        }
    }

    /// The `X-Registry-Auth` header value: base64url (RFC 4648 §5, padded, as Go's
    /// `base64.URLEncoding`) of a JSON object, which is what dockerd decodes. Keys are sorted
    /// so the value is reproducible.
    package var dockerHeaderValue: String {
        let object: [String: String]
        switch self {
        case let .basic(username, password, serverAddress):
            object = ["username": username, "password": password, "serveraddress": serverAddress]
        case let .identityToken(token, serverAddress):
            object = ["identitytoken": token, "serveraddress": serverAddress]
        case let .registryToken(token, serverAddress):
            object = ["registrytoken": token, "serveraddress": serverAddress]
        }
        let encoder = JSONCoding.encoder(.canonical)
        // Encoding a [String: String] cannot fail; fall back to an empty object regardless.
        let json = (try? encoder.encode(object)) ?? Data("{}".utf8)
        return json.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    /// Never shows the secret.
    package var description: String {
        switch self {
        case let .basic(username, _, server): "basic(\(username) @ \(server), <redacted>)"
        case let .identityToken(_, server): "identityToken(\(server), <redacted>)"
        case let .registryToken(_, server): "registryToken(\(server), <redacted>)"
        }
    }
}
