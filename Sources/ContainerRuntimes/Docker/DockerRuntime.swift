import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCIDistribution
import SystemSupport

/// ``ContainerRuntime`` over the Docker Engine API.
///
/// Talks HTTP over the daemon's unix socket (or plain `tcp://`) with AsyncHTTPClient, since
/// URLSession on Linux cannot use unix sockets. The API version is negotiated once from
/// `GET /version`: dockerd answers 400 to paths newer than it knows, so every call uses the
/// lower of this client's and the daemon's version.
package actor DockerRuntime: ContainerRuntime {
    package nonisolated let kind: RuntimeKind = .docker
    package nonisolated let endpoint: DockerEndpoint
    private let httpClient: HTTPClient
    private let credentials: (any CredentialSource)?
    private let maximumAPIVersion: DockerAPIVersion
    private let requestTimeout: TimeAmount
    private var negotiated: (api: DockerAPIVersion, server: DockerVersionResponse)?

    /// - Parameters:
    ///   - endpoint: the daemon's unix socket or TCP address, where every engine call goes.
    ///   - httpClient: sends the engine calls; the caller owns it (by default the shared
    ///     process-lifetime ``defaultHTTPClient``).
    ///   - credentials: asked for the image's registry credentials before each pull; `nil` pulls anonymously.
    ///   - maximumAPIVersion: the newest API to use even if the daemon offers more.
    ///   - requestTimeout: limit for ordinary calls (pulls and stops get longer ones).
    package init(
        endpoint: DockerEndpoint,
        httpClient: HTTPClient = DockerRuntime.defaultHTTPClient,
        credentials: (any CredentialSource)? = nil,
        maximumAPIVersion: DockerAPIVersion = .clientMaximum,
        requestTimeout: Duration = .seconds(60)
    ) {
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.credentials = credentials
        self.maximumAPIVersion = maximumAPIVersion
        self.requestTimeout = .nanoseconds(
            Int64(requestTimeout.components.seconds) * 1_000_000_000
                + requestTimeout.components.attoseconds / 1_000_000_000)
    }

    /// The client DockerRuntimes use unless given one (see `HTTPClient.dockerEngine`).
    package static var defaultHTTPClient: HTTPClient { .dockerEngine }

    /// A runtime for the daemon named by `DOCKER_HOST` (default `/var/run/docker.sock`).
    package static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        credentials: (any CredentialSource)? = nil
    ) throws(RuntimeError) -> DockerRuntime {
        DockerRuntime(endpoint: try DockerEndpoint.fromEnvironment(environment), credentials: credentials)
    }

    // MARK: Engine

    package func ping() async throws {
        let response = try await send(.GET, "/_ping", versioned: false, operation: "pinging Docker")
        guard response.status == 200 else {
            throw RuntimeError.requestFailed(operation: "pinging Docker at \(endpoint)", status: Int(response.status), message: response.message)
        }
    }

    package func version() async throws -> RuntimeVersion {
        let (api, server) = try await negotiate()
        return RuntimeVersion(kind: .docker, engineVersion: server.Version, apiVersion: api.description, os: server.Os, architecture: server.Arch)
    }

    /// The API version used for requests, negotiating it on first use.
    package func negotiatedAPIVersion() async throws -> DockerAPIVersion {
        try await negotiate().api
    }

    private func negotiate() async throws -> (api: DockerAPIVersion, server: DockerVersionResponse) {
        if let negotiated { return negotiated }
        let response = try await send(.GET, "/version", versioned: false, operation: "asking Docker for its version")
        guard response.status == 200 else {
            throw RuntimeError.requestFailed(operation: "GET /version at \(endpoint)", status: Int(response.status), message: response.message)
        }
        let server: DockerVersionResponse = try decode(response.body, operation: "reading Docker's version")
        guard let serverAPI = DockerAPIVersion(server.ApiVersion) else {
            throw RuntimeError.invalidResponse(operation: "reading Docker's version", detail: "ApiVersion '\(server.ApiVersion)' is not MAJOR.MINOR")
        }
        guard let api = DockerAPIVersion.negotiate(client: maximumAPIVersion, server: serverAPI) else {
            throw RuntimeError.apiVersionUnsupported(
                endpoint: endpoint.description, serverVersion: serverAPI.description, minimum: DockerAPIVersion.clientMinimum.description)
        }
        negotiated = (api, server)
        return (api, server)
    }

    // MARK: Images

    package func imageExists(_ reference: ImageReference) async throws -> Bool {
        do {
            _ = try await inspectImage(reference)
            return true
        } catch RuntimeError.imageNotFound {
            return false
        }
    }

    package func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        let image = reference.description
        let response = try await send(.GET, "/images/\(Self.pathEncode(image))/json", operation: "inspecting image \(image)")
        switch response.status {
        case 200:
            let body: DockerImageInspectResponse = try decode(response.body, operation: "inspecting image \(image)")
            return RuntimeImage(
                id: body.Id,
                repoTags: body.RepoTags ?? [],
                repoDigests: body.RepoDigests ?? [],
                labels: body.Config?.Labels ?? [:],
                created: body.Created.flatMap(RFC3339.date)
            )
        case 404:
            throw RuntimeError.imageNotFound(image: image, detail: response.message)
        default:
            throw RuntimeError.requestFailed(operation: "inspecting image \(image)", status: Int(response.status), message: response.message)
        }
    }

    package nonisolated func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.performPull(reference) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func performPull(_ reference: ImageReference, emit: @Sendable (PullEvent) -> Void) async throws {
        let image = reference.description
        var headers: [(String, String)] = []
        if let credentials {
            let found: RegistryCredentials?
            do {
                found = try await credentials.credentials(for: reference.registry)
            } catch {
                throw RuntimeError.credentialsUnavailable(image: image, reason: String(describing: error))
            }
            if let found {
                headers.append(("X-Registry-Auth", RegistryAuth(found, registry: reference.registry).dockerHeaderValue))
            }
        }
        var query = [("fromImage", reference.name), ("tag", reference.digest?.description ?? reference.tag ?? ImageReference.defaultTag)]
        let (api, server) = try await negotiate()
        // Ask for the engine's own platform explicitly: from a multi-platform index dockerd
        // then pulls exactly the manifest oubliette checked and records.
        if let os = server.Os, let architecture = server.Arch, !os.isEmpty, !architecture.isEmpty {
            query.append(("platform", "\(os)/\(architecture)"))
        }
        let response = try await execute(
            .POST, "/v\(api)/images/create", query: query, headers: headers, body: nil,
            timeout: .hours(1), operation: "pulling \(image)"
        )
        guard response.status.code == 200 else {
            let body = try await collect(response, operation: "pulling \(image)")
            throw RuntimeError.pullFailed(image: image, message: Self.message(from: body, status: response.status.code))
        }
        var decoder = DockerPullProgressDecoder(image: image)
        for try await chunk in response.body {
            for event in try decoder.feed(chunk.readableBytesView) { emit(event) }
        }
        for event in try decoder.finish() { emit(event) }
    }

    package func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        let image = source.description
        let response = try await send(
            .POST, "/images/\(Self.pathEncode(image))/tag",
            query: [("repo", target.name), ("tag", target.tag ?? ImageReference.defaultTag)],
            operation: "tagging \(image) as \(target)"
        )
        switch response.status {
        case 200, 201: return
        case 404: throw RuntimeError.imageNotFound(image: image, detail: response.message)
        case 409: throw RuntimeError.imageConflict(image: target.description, detail: response.message)
        default:
            throw RuntimeError.requestFailed(operation: "tagging \(image) as \(target)", status: Int(response.status), message: response.message)
        }
    }

    package func removeImage(_ reference: ImageReference, force: Bool) async throws {
        let image = reference.description
        let response = try await send(
            .DELETE, "/images/\(Self.pathEncode(image))", query: [("force", force ? "true" : "false")], operation: "removing image \(image)")
        switch response.status {
        case 200: return
        case 404: throw RuntimeError.imageNotFound(image: image, detail: response.message)
        case 409: throw RuntimeError.imageConflict(image: image, detail: response.message)
        default:
            throw RuntimeError.requestFailed(operation: "removing image \(image)", status: Int(response.status), message: response.message)
        }
    }

    // MARK: Containers

    package func createContainer(_ spec: ContainerSpec) async throws -> String {
        let label = spec.name ?? "for \(spec.image)"
        let request = DockerContainerCreateRequest(
            // The checked image's ID, not its name: a re-tag since the check changes nothing.
            Image: spec.imageID ?? spec.image.description,
            Cmd: spec.command.isEmpty ? nil : spec.command,
            Env: spec.environment.isEmpty ? nil : spec.environmentList,
            Labels: spec.labels,
            HostConfig: .init(
                Binds: spec.mounts.isEmpty ? nil : spec.mounts.map { "\($0.source):\($0.target)\($0.readOnly ? ":ro" : "")" },
                NetworkMode: Self.networkMode(spec.network)
            )
        )
        let encoder = JSONCoding.encoder(.canonicalEscapingSlashes)
        let body: Data
        do { body = try encoder.encode(request) } catch {
            throw RuntimeError.invalidResponse(operation: "creating container \(label)", detail: "could not encode the request: \(error)")
        }
        let response = try await send(
            .POST, "/containers/create", query: spec.name.map { [("name", $0)] } ?? [],
            body: body, operation: "creating container \(label)"
        )
        switch response.status {
        case 201:
            let created: DockerContainerCreateResponse = try decode(response.body, operation: "creating container \(label)")
            return created.Id
        case 404: throw RuntimeError.imageNotFound(image: spec.image.description, detail: response.message)
        case 409: throw RuntimeError.containerConflict(container: label, detail: response.message)
        default:
            throw RuntimeError.requestFailed(operation: "creating container \(label)", status: Int(response.status), message: response.message)
        }
    }

    package func startContainer(_ id: String) async throws {
        let response = try await send(.POST, "/containers/\(Self.pathEncode(id))/start", operation: "starting container \(id)")
        try Self.expectContainerSuccess(response, [204, 304], container: id, operation: "starting container \(id)")
    }

    package func stopContainer(_ id: String, timeout: Duration) async throws {
        let seconds = max(0, timeout.components.seconds)
        let response = try await send(
            .POST, "/containers/\(Self.pathEncode(id))/stop", query: [("t", String(seconds))],
            timeout: .seconds(seconds + 30), operation: "stopping container \(id)"
        )
        try Self.expectContainerSuccess(response, [204, 304], container: id, operation: "stopping container \(id)")
    }

    package func removeContainer(_ id: String, force: Bool) async throws {
        let response = try await send(
            .DELETE, "/containers/\(Self.pathEncode(id))", query: [("force", force ? "true" : "false")],
            operation: "removing container \(id)"
        )
        try Self.expectContainerSuccess(response, [204], container: id, operation: "removing container \(id)")
    }

    package func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        var query = [("all", "true")]
        if !labels.isEmpty {
            let filters = ["label": labels.keys.sorted().map { "\($0)=\(labels[$0] ?? "")" }]
            let encoder = JSONCoding.encoder(.canonical)
            let json = (try? encoder.encode(filters)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            query.append(("filters", json))
        }
        let response = try await send(.GET, "/containers/json", query: query, operation: "listing containers")
        guard response.status == 200 else {
            throw RuntimeError.requestFailed(operation: "listing containers", status: Int(response.status), message: response.message)
        }
        let summaries: [DockerContainerSummary] = try decode(response.body, operation: "listing containers")
        return summaries.map { summary in
            RuntimeContainer(
                id: summary.Id,
                name: Self.stripSlash(summary.Names?.first ?? summary.Id),
                image: summary.Image,
                state: ContainerState(engineState: summary.State ?? ""),
                status: summary.Status ?? summary.State ?? "",
                labels: summary.Labels ?? [:],
                created: summary.Created.map { Date(timeIntervalSince1970: TimeInterval($0)) }
            )
        }
    }

    package func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        let response = try await send(.GET, "/containers/\(Self.pathEncode(id))/json", operation: "inspecting container \(id)")
        try Self.expectContainerSuccess(response, [200], container: id, operation: "inspecting container \(id)")
        let body: DockerContainerInspectResponse = try decode(response.body, operation: "inspecting container \(id)")
        let stateWord = body.State?.Status ?? ""
        var status = stateWord
        if stateWord == "exited", let code = body.State?.ExitCode { status = "exited (\(code))" }
        return RuntimeContainer(
            id: body.Id,
            name: Self.stripSlash(body.Name ?? body.Id),
            image: body.Config?.Image ?? "",
            state: ContainerState(engineState: stateWord),
            status: status,
            labels: body.Config?.Labels ?? [:],
            created: body.Created.flatMap(RFC3339.date)
        )
    }

    // MARK: HTTP

    private struct Reply: Sendable {
        var status: UInt
        var body: Data
        var message: String { DockerRuntime.message(from: body, status: status) }
    }

    /// One request with a buffered body, on the negotiated API version unless `versioned` is false.
    private func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil,
        versioned: Bool = true, timeout: TimeAmount? = nil, operation: String
    ) async throws -> Reply {
        let prefix = versioned ? "/v\(try await negotiate().api)" : ""
        let response = try await execute(
            method, prefix + path, query: query, headers: body == nil ? [] : [("Content-Type", "application/json")],
            body: body, timeout: timeout ?? requestTimeout, operation: operation
        )
        return Reply(status: response.status.code, body: try await collect(response, operation: operation))
    }

    private func execute(
        _ method: HTTPMethod, _ path: String, query: [(String, String)], headers: [(String, String)],
        body: Data?, timeout: TimeAmount, operation: String
    ) async throws -> HTTPClientResponse {
        var uri = path
        if !query.isEmpty {
            uri += "?" + query.map { "\(Self.queryEncode($0.0))=\(Self.queryEncode($0.1))" }.joined(separator: "&")
        }
        guard let url = endpoint.url(uri) else {
            throw RuntimeError.invalidDockerHost(endpoint.description, reason: "cannot build a request URL for \(uri)")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        // Over a unix socket there is no real host name; send a fixed one (Go's server wants the header).
        request.headers.add(name: "Host", value: "docker")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            return try await httpClient.execute(request, timeout: timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw RuntimeError.requestFailed(operation: "\(operation) at \(endpoint)", status: 0, message: "no answer within the time limit")
        } catch let error as HTTPClientError where error == .getConnectionFromPoolTimeout {
            // The daemon answers, but every connection is busy: not "Docker is not running".
            throw RuntimeError.requestFailed(
                operation: "\(operation) at \(endpoint)", status: 0,
                message: "no connection to the engine came free in time: it answers, but every connection is busy with other calls")
        } catch {
            throw RuntimeError.dockerUnreachable(endpoint: endpoint.description, reason: Self.connectionFailure(error))
        }
    }

    private func collect(_ response: HTTPClientResponse, operation: String) async throws -> Data {
        do {
            let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
            return Data(buffer.readableBytesView)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RuntimeError.invalidResponse(operation: operation, detail: "reading the response body failed: \(NetworkProblem.phrase(error))")
        }
    }

    private nonisolated func decode<T: Decodable>(_ data: Data, operation: String) throws -> T {
        do {
            return try JSONCoding.decode(T.self, from: data)
        } catch {
            throw RuntimeError.invalidResponse(operation: operation, detail: describe(error))
        }
    }

    private static func expectContainerSuccess(_ reply: Reply, _ accepted: Set<UInt>, container: String, operation: String) throws {
        if accepted.contains(reply.status) { return }
        switch reply.status {
        case 404: throw RuntimeError.containerNotFound(container: container)
        case 409: throw RuntimeError.containerConflict(container: container, detail: reply.message)
        default: throw RuntimeError.requestFailed(operation: operation, status: Int(reply.status), message: reply.message)
        }
    }

    /// The daemon's `{"message": …}` text, else the raw body, else the status code.
    nonisolated static func message(from body: Data, status: UInt) -> String {
        if let decoded = try? JSONCoding.decode(DockerErrorResponse.self, from: body) { return decoded.message }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(status)" : text
    }

    private static func networkMode(_ mode: ContainerSpec.NetworkMode) -> String? {
        switch mode {
        case .default: nil
        case .none: "none"
        case .host: "host"
        case let .named(name): name
        }
    }

    private static func stripSlash(_ name: String) -> String {
        name.hasPrefix("/") ? String(name.dropFirst()) : name
    }

    /// Image names keep their `/` and `:` (dockerd routes `/images/{name:.*}`); the rest is escaped.
    private static func pathEncode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: asciiUnreserved + "/:@")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static let asciiUnreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

    private static func queryEncode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: asciiUnreserved)
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension DockerRuntime {
    /// The system's short reason for a failed connection ("no such file or directory"), not
    /// NIO's whole error value, which repeats the socket path and wraps it in type names.
    static func connectionFailure(_ error: any Error) -> String {
        let text = String(describing: error)
        if let range = text.range(of: #"errno: (\d+)"#, options: .regularExpression),
            let code = Int32(text[range].dropFirst("errno: ".count))
        {
            return String(cString: strerror(code)).lowercased()
        }
        return NetworkProblem.phrase(error)
    }
}
