import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SystemSupport

/// A client for one registry speaking the OCI distribution API, without a daemon.
///
/// Shared state (tokens, counters) lives in the actor; blob bodies are streamed and hashed in
/// `nonisolated` methods so concurrent transfers do not serialise on the actor.
package actor RegistryClient {
    /// `host[:port]` as written in image references.
    package nonisolated let registry: String
    /// `http(s)://host[:port]` the API is reached at.
    package nonisolated let baseURL: String
    package nonisolated let uploadPolicy: UploadPolicy
    /// Deadline of one metadata request (manifests, tags, upload sessions). AsyncHTTPClient
    /// keeps retrying a refused connection until this deadline, so it also bounds how long an
    /// unreachable registry takes to fail each attempt.
    package nonisolated let requestTimeout: Duration
    package nonisolated let security: TransportSecurity
    /// Where credentials may go: requests to any other origin are sent without them.
    nonisolated let origin: Origin?
    nonisolated let clientID: String

    let credentialSource: any CredentialSource
    nonisolated let retryPolicy: RetryPolicy
    nonisolated let sleeper: any Sleeper
    nonisolated let httpClient: HTTPClient
    nonisolated let logger: Logger

    private var credentialsLoaded = false
    private var cachedCredentials: RegistryCredentials?
    /// The last `WWW-Authenticate` challenge seen; nil until the registry asks for auth.
    private var challenge: AuthChallenge?
    /// Bearer tokens per scope set, with in-flight fetches shared by concurrent requests.
    private var tokens: [String: Task<String, any Error>] = [:]
    package private(set) var counters = TransferCounters()

    /// - Parameters:
    ///   - registry: `host[:port]` as written in image references (Docker Hub's name is mapped
    ///     to its API host).
    ///   - credentials: asked once, at the first request, for this registry's credentials.
    ///   - security: HTTPS or plain HTTP (see ``TransportSecurity``).
    ///   - retryPolicy: how often, and after what delays, transport failures and retryable
    ///     statuses (5xx, 429) are retried.
    ///   - sleeper: waits out the retry delays; tests pass one that does not sleep.
    ///   - httpClient: sends every request; the caller owns it.
    ///   - uploadPolicy: which blobs go in one PUT and the chunk size for larger ones.
    ///   - requestTimeout: deadline of one metadata request (see ``requestTimeout``).
    ///   - clientID: how this tool names itself to token services (`client_id`).
    ///   - logger: where each request line goes (at debug level, secrets redacted).
    package init(
        registry: String,
        credentials: any CredentialSource = ChainedCredentials.standard,
        security: TransportSecurity = .automatic,
        retryPolicy: RetryPolicy = .default,
        sleeper: any Sleeper = ContinuousSleeper(),
        httpClient: HTTPClient = .failFast,
        uploadPolicy: UploadPolicy = .default,
        requestTimeout: Duration = .seconds(120),
        clientID: String = "oci-distribution-swift",
        logger: Logger = Logger(label: "oci.registry")
    ) {
        self.requestTimeout = requestTimeout
        self.registry = registry
        self.security = security
        // Docker Hub's API lives on a different host than its reference name.
        let apiHost = registry == ImageReference.dockerHub ? "registry-1.docker.io" : registry
        self.baseURL = "\(security.usesPlainHTTP(registry) ? "http" : "https")://\(apiHost)"
        self.origin = Origin(url: baseURL)
        self.credentialSource = credentials
        self.retryPolicy = retryPolicy
        self.sleeper = sleeper
        self.httpClient = httpClient
        self.uploadPolicy = uploadPolicy
        self.clientID = clientID
        self.logger = logger
    }

    /// `GET /v2/`: the registry is reachable and (if it requires auth) accepts our credentials.
    package func ping() async throws {
        let request = RegistryRequest(method: .GET, url: "\(baseURL)/v2/", scopes: [], label: "GET /v2/")
        let response = try await send(request)
        try await expect(response, [200], request: request, notFound: "the /v2/ API (is this a registry?)")
        await response.drain()
    }

    // MARK: Requests

    struct RegistryRequest: Sendable {
        var method: HTTPMethod
        var url: String
        var headers = HTTPHeaders()
        /// Recreated for every attempt, so retries re-send the body.
        var body: (@Sendable () -> HTTPClientRequest.Body)?
        var scopes: [String]
        var label: String
        /// nil = the client's `requestTimeout`.
        var timeout: TimeAmount?
    }

    static func pullScope(_ repository: RepositoryName) -> String { "repository:\(repository):pull" }
    static func pushScope(_ repository: RepositoryName) -> String { "repository:\(repository):pull,push" }

    func recordRequest() { counters.requests += 1 }
    func recordRetry() { counters.retries += 1 }
    func record(_ update: @Sendable (inout TransferCounters) -> Void) { update(&counters) }

    /// Sends a request with auth, the 401 challenge handshake (once per request) and retries
    /// of network errors, 5xx and 429. Returns any other response for the caller to judge.
    nonisolated func send(_ request: RegistryRequest) async throws -> RegistryResponse {
        var retry = 0
        var answeredChallenge = false
        var scopes = request.scopes
        while true {
            try Task.checkCancellation()
            var http = HTTPClientRequest(url: request.url)
            http.method = request.method
            http.headers = request.headers
            http.body = request.body?()
            // Credentials only to the origin they are for, never to a host a Location or
            // Link header names.
            if Origin(url: request.url) == origin, let authorization = try await authorization(for: scopes) {
                http.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            await recordRequest()
            // Only the method and the redacted URL: the headers carry the Authorization value.
            let shown = "\(request.method.rawValue) \(Redaction.redact(request.url))"
            let started = ContinuousClock.now
            logger.trace("\(shown)", metadata: ["attempt": "\(retry + 1)"])
            let response: RegistryResponse
            do {
                response = RegistryResponse(
                    try await httpClient.execute(http, timeout: request.timeout ?? .nanoseconds(requestTimeout.nanoseconds)))
            } catch {
                if error is CancellationError { throw error }
                let problem = NetworkProblem.phrase(error)
                logger.debug("\(shown) failed: \(problem)", metadata: ["duration": "\((ContinuousClock.now - started).formattedMilliseconds)"])
                guard retry < retryPolicy.backoff.count else {
                    if retry == 0 { throw RegistryError.transport(registry: registry, request: request.label, reason: problem) }
                    throw RegistryError.retriesExhausted(registry: registry, request: request.label, attempts: retry + 1, lastProblem: problem)
                }
                try await backOff(request, retry: retry, retryAfter: nil, because: problem)
                retry += 1
                await recordRetry()
                continue
            }
            let status = response.statusCode
            logger.debug("\(shown) \(status)", metadata: ["duration": "\((ContinuousClock.now - started).formattedMilliseconds)"])
            if status == 401, !answeredChallenge,
                let header = response.headers["WWW-Authenticate"].first,
                let challenge = AuthChallenge(header: header)
            {
                await response.drain()
                answeredChallenge = true
                for scope in challenge.scopes where !scopes.contains(scope) { scopes.append(scope) }
                await accept(challenge, invalidating: scopes)
                continue
            }
            if RetryPolicy.isRetryable(status: status) {
                let retryAfter = response.headers["Retry-After"].first
                let detail = await errorDetail(response, request: request, secrets: [])
                guard retry < retryPolicy.backoff.count else {
                    throw RegistryError.retriesExhausted(
                        registry: registry, request: request.label, attempts: retry + 1,
                        lastProblem: "HTTP \(status)\(detail.isEmpty ? "" : " \(detail)")")
                }
                try await backOff(request, retry: retry, retryAfter: retryAfter, because: "HTTP \(status)")
                retry += 1
                await recordRetry()
                continue
            }
            return response
        }
    }

    /// Sleeps before retry number `retry + 1` of `request`, saying so at debug.
    nonisolated func backOff(_ request: RegistryRequest, retry: Int, retryAfter: String?, because problem: String) async throws {
        let delay = retryPolicy.delay(beforeRetry: retry, retryAfter: retryAfter)
        logger.debug(
            "retrying \(request.label) after \(problem)",
            metadata: ["attempt": "\(retry + 2)", "delay": "\(delay.formattedSeconds)"])
        try await sleeper.sleep(for: delay)
    }

    /// Turns a response outside `statuses` into the matching error (reading its error body).
    nonisolated func expect(_ response: RegistryResponse, _ statuses: Set<Int>, request: RegistryRequest, notFound: String) async throws {
        let status = response.statusCode
        if statuses.contains(status) { return }
        let secrets = await knownSecrets()
        let detail = await errorDetail(response, request: request, secrets: secrets)
        switch status {
        case 401:
            throw RegistryError.unauthorized(
                registry: registry, request: request.label, hadCredentials: !secrets.isEmpty,
                hint: credentialSource.setupHint(for: registry))
        case 403:
            throw RegistryError.denied(registry: registry, request: request.label, detail: detail)
        case 404:
            throw RegistryError.notFound(registry: registry, what: notFound)
        default:
            throw RegistryError.unexpectedStatus(registry: registry, request: request.label, status: status, detail: detail)
        }
    }

    /// The registry's `{"errors":[{"code","message"}]}` as one line, redacted.
    nonisolated func errorDetail(_ response: RegistryResponse, request: RegistryRequest, secrets: [String]) async -> String {
        guard let buffer = try? await response.collect(upTo: 64 << 10, registry: registry, request: request.label) else { return "" }
        let data = Data(buffer.readableBytesView)
        struct Envelope: Decodable {
            struct Item: Decodable { var code: String?; var message: String? }
            var errors: [Item]?
        }
        let text: String
        if let envelope = try? JSONCoding.decode(Envelope.self, from: data), let errors = envelope.errors, !errors.isEmpty {
            text = errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
        } else {
            text = String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Redaction.redact(text, secrets: secrets)
    }

    /// The whole body of a successful answer, at most `limit` bytes.
    nonisolated func body(of response: RegistryResponse, upTo limit: Int, request: RegistryRequest) async throws -> ByteBuffer {
        try await response.collect(upTo: limit, registry: registry, request: request.label)
    }

    /// Resolves a `Location` or `Link` target against the registry's base URL.
    nonisolated func resolve(_ location: String) -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        if location.hasPrefix("/") { return baseURL + location }
        return baseURL + "/" + location
    }

    // MARK: Auth

    func credentials() async throws -> RegistryCredentials? {
        if !credentialsLoaded {
            cachedCredentials = try await credentialSource.credentials(for: registry)
            credentialsLoaded = true
        }
        return cachedCredentials
    }

    func knownSecrets() async -> [String] {
        var secrets = (try? await credentials())?.secrets ?? []
        for task in tokens.values {
            if let token = try? await task.value { secrets.append(token) }
        }
        return secrets
    }

    private func accept(_ newChallenge: AuthChallenge, invalidating scopes: [String]) {
        challenge = newChallenge
        tokens[Self.scopeKey(scopes)] = nil
    }

    static func scopeKey(_ scopes: [String]) -> String { scopes.sorted().joined(separator: " ") }

    /// The Authorization header for a request needing `scopes`, fetching a token if needed.
    func authorization(for scopes: [String]) async throws -> String? {
        let credentials = try await credentials()
        if case let .registryToken(token)? = credentials { return "Bearer \(token)" }
        guard let challenge else { return nil }
        switch challenge.scheme {
        case .basic:
            guard case let .basic(username, password)? = credentials else { return nil }
            return "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())"
        case .bearer:
            let key = Self.scopeKey(scopes)
            if let task = tokens[key] {
                do { return "Bearer \(try await task.value)" } catch {
                    tokens[key] = nil
                    throw error
                }
            }
            let fetcher = TokenFetcher(
                registry: registry, challenge: challenge, scopes: scopes, credentials: credentials,
                httpClient: httpClient, clientID: clientID,
                registryIsLocal: security.usesPlainHTTP(registry),
                hint: credentialSource.setupHint(for: registry))
            let task = Task { try await fetcher.fetch() }
            tokens[key] = task
            do { return "Bearer \(try await task.value)" } catch {
                tokens[key] = nil
                throw error
            }
        }
    }
}

private extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
