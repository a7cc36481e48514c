import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SystemSupport

/// Exchanges credentials for a bearer token at a challenge's realm (the distribution token
/// protocol): GET with optional Basic auth, or the OAuth2 refresh-token POST for identity tokens.
struct TokenFetcher: Sendable {
    let registry: String
    let challenge: AuthChallenge
    let scopes: [String]
    let credentials: RegistryCredentials?
    let httpClient: HTTPClient
    let clientID: String
    /// The registry itself is reached over plain HTTP (loopback, or listed insecure): only
    /// then may its token realm be plain HTTP too.
    let registryIsLocal: Bool
    let hint: String?

    func fetch() async throws -> String {
        guard let realm = challenge.realm, var components = URLComponents(string: realm),
            let realmOrigin = Origin(url: realm)
        else {
            throw RegistryError.authenticationFailed(
                registry: registry, realm: challenge.realm ?? "(none)",
                reason: "the Bearer challenge names no usable realm")
        }
        // The realm may be another host (Docker Hub's is), but a plain-HTTP realm would carry
        // the token request, and any secret in it, in the clear.
        if !realmOrigin.isTLS {
            guard registryIsLocal else {
                throw RegistryError.authenticationFailed(
                    registry: registry, realm: realm,
                    reason: "the token realm is plain HTTP; refusing to authenticate over an unencrypted connection")
            }
            if credentials != nil, !realmOrigin.isLoopback {
                throw RegistryError.authenticationFailed(
                    registry: registry, realm: realm,
                    reason: "credentials are sent to a token realm only over HTTPS (or on this machine); this realm is plain HTTP on another host")
            }
        }
        var request: HTTPClientRequest
        if case let .identityToken(refreshToken)? = credentials {
            request = HTTPClientRequest(url: realm)
            request.method = .POST
            var form = URLComponents()
            form.queryItems =
                [
                    URLQueryItem(name: "grant_type", value: "refresh_token"),
                    URLQueryItem(name: "refresh_token", value: refreshToken),
                    URLQueryItem(name: "client_id", value: clientID),
                    URLQueryItem(name: "scope", value: scopes.joined(separator: " ")),
                ] + (challenge.service.map { [URLQueryItem(name: "service", value: $0)] } ?? [])
            let body = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        } else {
            var items = components.queryItems ?? []
            if let service = challenge.service { items.append(URLQueryItem(name: "service", value: service)) }
            for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope)) }
            components.queryItems = items.isEmpty ? nil : items
            guard let url = components.string else {
                throw RegistryError.authenticationFailed(registry: registry, realm: realm, reason: "cannot build the token URL")
            }
            request = HTTPClientRequest(url: url)
            if case let .basic(username, password)? = credentials {
                request.headers.add(name: "Authorization", value: "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())")
            }
        }
        let response: RegistryResponse
        do { response = RegistryResponse(try await httpClient.execute(request, timeout: .seconds(60))) } catch {
            throw RegistryError.authenticationFailed(
                registry: registry, realm: realm, reason: Redaction.redact(NetworkProblem.phrase(error), secrets: credentials?.secrets ?? []))
        }
        let buffer = try await response.collect(upTo: 1 << 20, registry: registry, request: "token for \(scopes.joined(separator: " "))")
        let status = response.statusCode
        if status == 403 {
            let advice = credentials == nil ? "it does not serve anonymous clients; \(hint ?? "run `docker login \(registry)`")" : "these credentials may not"
            throw RegistryError.denied(
                registry: registry, request: "token for \(scopes.joined(separator: " "))", detail: "the token service refused; \(advice)")
        }
        if status == 401 {
            throw RegistryError.unauthorized(
                registry: registry, request: "token for \(scopes.joined(separator: " "))",
                hadCredentials: credentials != nil, hint: hint)
        }
        guard status == 200 else {
            throw RegistryError.authenticationFailed(registry: registry, realm: realm, reason: "HTTP \(status)")
        }
        struct TokenResponse: Decodable { var token: String?; var access_token: String? }
        guard let decoded = try? JSONCoding.decode(TokenResponse.self, from: Data(buffer.readableBytesView)),
            let token = decoded.token ?? decoded.access_token, !token.isEmpty
        else {
            throw RegistryError.authenticationFailed(registry: registry, realm: realm, reason: "the answer holds no token")
        }
        return token
    }
}
