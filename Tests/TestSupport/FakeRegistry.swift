import Foundation
import NIOHTTP1
import OCIDistribution

/// A minimal in-memory distribution registry on a `FakeHTTPServer`, with hooks to inject faults
/// and an optional bearer-token realm on the same server.
package final class FakeRegistry: Sendable {
    package struct State {
        package var blobs: [String: [UInt8]] = [:] // digest -> bytes (all repos share storage)
        package var blobRepos: [String: Set<String>] = [:] // digest -> repos that "have" it
        package var manifests: [String: (bytes: [UInt8], mediaType: String)] = [:] // "repo@digest" / "repo:tag"
        package var uploads: [String: (repo: String, data: [UInt8])] = [:]
        package var nextUpload = 0
        package var log: [FakeRequest] = []
        package var validTokens: Set<String> = []
        package var tokensIssued = 0
        package var tokenRequests: [FakeRequest] = []
        /// "repo@subject-digest" -> descriptors of the manifests PUT with that `subject`
        /// (kept only when the registry answers the referrers API).
        package var referrers: [String: [[String: Any]]] = [:]

        package init() {}
    }

    package let state = Locked(State())
    /// Consulted first for every request; return a response to override normal behaviour.
    package let fault = Locked<(@Sendable (FakeRequest, inout State) -> FakeResponse?)?>(nil)
    /// Consulted for requests to the token realm (`/token`); return a response to override it.
    package let tokenFault = Locked<(@Sendable (FakeRequest) -> FakeResponse?)?>(nil)
    /// When set, registry endpoints require `Bearer <issued token>`; tokens come from /token.
    package let requireToken: Bool
    /// When set, registry endpoints require this Basic user:password.
    package let basicAuth: (user: String, password: String)?
    /// When set, the registry implements the OCI 1.1 referrers API (distribution-spec 1.1:
    /// `GET /v2/NAME/referrers/DIGEST`, `OCI-Subject` on manifest PUTs with a subject);
    /// otherwise that endpoint is a 404, as on distribution 2.8.
    package let referrersAPI: Bool
    private let serverBox = Locked<FakeHTTPServer?>(nil)

    package var server: FakeHTTPServer {
        guard let server = serverBox.current else { fatalError("FakeRegistry used before start") }
        return server
    }
    package var address: String { server.address }

    private init(requireToken: Bool, basicAuth: (String, String)?, referrersAPI: Bool) {
        self.requireToken = requireToken
        self.basicAuth = basicAuth
        self.referrersAPI = referrersAPI
    }

    package static func start(requireToken: Bool = false, basicAuth: (String, String)? = nil, referrersAPI: Bool = false) async throws
        -> FakeRegistry
    {
        let registry = FakeRegistry(requireToken: requireToken, basicAuth: basicAuth, referrersAPI: referrersAPI)
        let server = try await FakeHTTPServer.start { [registry] request in registry.handle(request) }
        registry.serverBox.withLock { $0 = server }
        return registry
    }

    package func shutdown() async { await server.shutdown() }

    /// Runs `body` with a started registry and shuts it down after it, whether it returns or
    /// throws (a scoped fixture: the shutdown is awaited, not left to a task).
    package static func with<T>(
        requireToken: Bool = false, basicAuth: (String, String)? = nil, referrersAPI: Bool = false,
        isolation: isolated (any Actor)? = #isolation, _ body: (FakeRegistry) async throws -> T
    ) async throws -> T {
        let registry = try await start(requireToken: requireToken, basicAuth: basicAuth, referrersAPI: referrersAPI)
        do {
            let result = try await body(registry)
            await registry.shutdown()
            return result
        } catch {
            await registry.shutdown()
            throw error
        }
    }

    package func setFault(_ fault: (@Sendable (FakeRequest, inout State) -> FakeResponse?)?) { self.fault.withLock { $0 = fault } }
    package var log: [FakeRequest] { state.withLock { $0.log } }
    package func requests(_ method: String, containing fragment: String) -> [FakeRequest] {
        log.filter { $0.method == method && $0.uri.contains(fragment) }
    }

    package func seedBlob(_ bytes: [UInt8], repository: String) -> Digest {
        let digest = Digest.sha256(of: bytes)
        state.withLock {
            $0.blobs[digest.description] = bytes
            $0.blobRepos[digest.description, default: []].insert(repository)
        }
        return digest
    }

    package func seedManifest(_ bytes: [UInt8], mediaType: String, repository: String, tag: String) -> Digest {
        let digest = Digest.sha256(of: bytes)
        state.withLock {
            $0.manifests["\(repository)@\(digest)"] = (bytes, mediaType)
            $0.manifests["\(repository):\(tag)"] = (bytes, mediaType)
        }
        return digest
    }

    private func handle(_ request: FakeRequest) -> FakeResponse {
        let hook = fault.current
        return state.withLock { state -> FakeResponse in
            if request.path == "/token" {
                state.tokenRequests.append(request)
                if let tokenHook = tokenFault.current, let response = tokenHook(request) { return response }
                state.tokensIssued += 1
                let token = "tok-\(state.tokensIssued)-secretvalue"
                state.validTokens.insert(token)
                return .status(200, json: #"{"token":"\#(token)","expires_in":300}"#)
            }
            state.log.append(request)
            if let hook, let response = hook(request, &state) { return response }
            if requireToken {
                let presented = request.header("Authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
                if presented == nil || !state.validTokens.contains(presented ?? "") {
                    return .status(
                        401, [("WWW-Authenticate", #"Bearer realm="http://\#(address)/token",service="fake""#)],
                        json: #"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#)
                }
            }
            if let basicAuth {
                let expected = "Basic " + Data("\(basicAuth.user):\(basicAuth.password)".utf8).base64EncodedString()
                if request.header("Authorization") != expected {
                    return .status(
                        401, [("WWW-Authenticate", #"Basic realm="fake""#)], json: #"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#)
                }
            }
            return route(request, &state)
        }
    }

    private func route(_ request: FakeRequest, _ state: inout State) -> FakeResponse {
        let path = request.path
        if path == "/v2/" { return .status(200, json: "{}") }
        guard path.hasPrefix("/v2/") else { return .status(404) }
        let rest = String(path.dropFirst(4))
        if let range = rest.range(of: "/manifests/") {
            let repo = String(rest[..<range.lowerBound]), ref = String(rest[range.upperBound...])
            let key = ref.hasPrefix("sha256:") ? "\(repo)@\(ref)" : "\(repo):\(ref)"
            switch request.method {
            case "GET", "HEAD":
                guard let found = state.manifests[key] else { return .status(404, json: #"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#) }
                return .reply(
                    status: 200,
                    headers: [
                        ("Content-Type", found.mediaType),
                        ("Docker-Content-Digest", Digest.sha256(of: found.bytes).description),
                    ], body: found.bytes)
            case "PUT":
                let digest = Digest.sha256(of: request.body)
                let mediaType = request.header("Content-Type") ?? ""
                state.manifests["\(repo)@\(digest)"] = (request.body, mediaType)
                if !ref.hasPrefix("sha256:") { state.manifests[key] = (request.body, mediaType) }
                var headers = [("Docker-Content-Digest", digest.description), ("Location", "/v2/\(repo)/manifests/\(digest)")]
                if referrersAPI, let subject = Self.subject(of: request.body, mediaType: mediaType, digest: digest) {
                    state.referrers["\(repo)@\(subject.digest)", default: []].append(subject.descriptor)
                    headers.append(("OCI-Subject", subject.digest))
                }
                return .status(201, headers)
            case "DELETE":
                let removed = state.manifests.removeValue(forKey: key)
                return removed == nil ? .status(404) : .status(202)
            default: return .status(405)
            }
        }
        if let range = rest.range(of: "/blobs/uploads/") {
            let repo = String(rest[..<range.lowerBound]), id = String(rest[range.upperBound...])
            if request.method == "POST" {
                if let mount = request.query["mount"], let from = request.query["from"],
                    state.blobRepos[mount]?.contains(from) == true
                {
                    state.blobRepos[mount, default: []].insert(repo)
                    return .status(201, [("Docker-Content-Digest", mount)])
                }
                state.nextUpload += 1
                let uploadID = "u\(state.nextUpload)"
                state.uploads[uploadID] = (repo, [])
                return .status(202, [("Location", "/v2/\(repo)/blobs/uploads/\(uploadID)?_state=opaque"), ("Range", "0-0")])
            }
            guard var upload = state.uploads[id] else { return .status(404, json: #"{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}"#) }
            let location = "/v2/\(repo)/blobs/uploads/\(id)?_state=opaque"
            switch request.method {
            case "GET":
                let end = max(upload.data.count - 1, 0)
                return .status(204, [("Location", location), ("Range", "0-\(end)")])
            case "PATCH":
                if let contentRange = request.header("Content-Range") {
                    let start = Int(contentRange.split(separator: "-").first ?? "") ?? -1
                    guard start == upload.data.count else { return .status(416) }
                }
                upload.data += request.body
                state.uploads[id] = upload
                return .status(202, [("Location", location), ("Range", "0-\(upload.data.count - 1)")])
            case "PUT":
                upload.data += request.body
                guard let digest = request.query["digest"], Digest.sha256(of: upload.data).description == digest else {
                    return .status(400, json: #"{"errors":[{"code":"DIGEST_INVALID"}]}"#)
                }
                state.uploads[id] = nil
                state.blobs[digest] = upload.data
                state.blobRepos[digest, default: []].insert(repo)
                return .status(201, [("Docker-Content-Digest", digest)])
            case "DELETE":
                state.uploads[id] = nil
                return .status(204)
            default: return .status(405)
            }
        }
        if let range = rest.range(of: "/blobs/") {
            let repo = String(rest[..<range.lowerBound]), digest = String(rest[range.upperBound...])
            guard let bytes = state.blobs[digest], state.blobRepos[digest]?.contains(repo) == true else {
                return .status(404, json: #"{"errors":[{"code":"BLOB_UNKNOWN"}]}"#)
            }
            if let rangeHeader = request.header("Range"), rangeHeader.hasPrefix("bytes="),
                let start = Int(rangeHeader.dropFirst(6).split(separator: "-").first ?? ""), start < bytes.count
            {
                return .reply(
                    status: 206, headers: [("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)")],
                    body: Array(bytes[start...]))
            }
            return .reply(status: 200, headers: [("Docker-Content-Digest", digest)], body: bytes)
        }
        if let range = rest.range(of: "/referrers/") {
            guard referrersAPI, request.method == "GET" else { return .status(404) }
            let repo = String(rest[..<range.lowerBound]), subject = String(rest[range.upperBound...])
            var manifests = state.referrers["\(repo)@\(subject)"] ?? []
            var headers = [("Content-Type", "application/vnd.oci.image.index.v1+json")]
            if let artifactType = request.query["artifactType"] {
                manifests = manifests.filter { $0["artifactType"] as? String == artifactType }
                headers.append(("OCI-Filters-Applied", "artifactType"))
            }
            let index: [String: Any] = ["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests]
            let body = (try? JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])) ?? Data()
            return .reply(status: 200, headers: headers, body: Array(body))
        }
        if rest.hasSuffix("/tags/list") {
            let repo = String(rest.dropLast("/tags/list".count))
            let all = state.manifests.keys.filter { $0.hasPrefix("\(repo):") }.map { String($0.dropFirst(repo.count + 1)) }.sorted()
            let last = request.query["last"]
            var page = all.filter { last == nil || $0 > (last ?? "") }
            var headers: [(String, String)] = []
            if let n = request.query["n"].flatMap(Int.init), page.count > n {
                page = Array(page.prefix(n))
                headers.append(("Link", "</v2/\(repo)/tags/list?n=\(n)&last=\(page.last ?? "")>; rel=\"next\""))
            }
            let json = String(decoding: (try? JSONEncoder().encode(["name": repo])) ?? Data(), as: UTF8.self)
            _ = json
            let tags = page.map { "\"\($0)\"" }.joined(separator: ",")
            return .status(200, headers, json: #"{"name":"\#(repo)","tags":[\#(tags)]}"#)
        }
        return .status(404)
    }

    /// The subject digest of a manifest PUT and the descriptor a referrers list gives it
    /// (`artifactType`: the manifest's own, else its config's media type, per the spec).
    private static func subject(of body: [UInt8], mediaType: String, digest: Digest) -> (digest: String, descriptor: [String: Any])? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let subject = object["subject"] as? [String: Any], let subjectDigest = subject["digest"] as? String
        else { return nil }
        var descriptor: [String: Any] = ["mediaType": mediaType, "digest": digest.description, "size": body.count]
        let config = object["config"] as? [String: Any]
        if let artifactType = object["artifactType"] as? String ?? config?["mediaType"] as? String { descriptor["artifactType"] = artifactType }
        if let annotations = object["annotations"] { descriptor["annotations"] = annotations }
        return (subjectDigest, descriptor)
    }
}
