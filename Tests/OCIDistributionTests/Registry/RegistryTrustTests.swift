import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TestSupport
import Testing

@testable import OCIDistribution

#if canImport(Glibc)
    import Glibc
#endif

/// A hostile or careless registry, in process: where credentials go, which token realms are
/// trusted, and the limits that keep a peer from exhausting disk, memory or time.
@Suite("Registry client trust", .timeLimit(.minutes(2)))
struct RegistryTrustTests {
    func makeClient(
        _ registry: FakeRegistry, credentials: any CredentialSource = AnonymousCredentials(),
        uploadPolicy: UploadPolicy = .default
    ) -> RegistryClient {
        RegistryClient(
            registry: registry.address, credentials: credentials, retryPolicy: .default, sleeper: RecordingSleeper(),
            uploadPolicy: uploadPolicy)
    }

    func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("registry-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A registry requiring the given kind of auth, the credentials that satisfy it, and the
    /// Authorization prefix the registry itself must see.
    func authenticatedRegistry(_ kind: String) async throws -> (FakeRegistry, any CredentialSource, String) {
        switch kind {
        case "bearer":
            let registry = try await FakeRegistry.start(requireToken: true)
            return (registry, StaticCredentials(.basic(username: "user", password: "hunter2-secret")), "Bearer tok-")
        case "basic":
            let registry = try await FakeRegistry.start(basicAuth: ("user", "hunter2-secret"))
            return (registry, StaticCredentials(.basic(username: "user", password: "hunter2-secret")), "Basic ")
        default: // a fixed registry token (OUBLIETTE_REGISTRY_TOKEN), sent without a challenge
            let registry = try await FakeRegistry.start()
            return (registry, StaticCredentials(.registryToken("ci-token-secret")), "Bearer ci-token-secret")
        }
    }

    // MARK: Credentials stay with their origin

    @Test(arguments: ["bearer", "basic", "token"])
    func uploadLocationOnAnotherOriginGetsNoCredentials(kind: String) async throws {
        try await withFixture(try await authenticatedRegistry(kind), tearDown: { await $0.0.shutdown() }) { registry, credentials, expectedPrefix throws in
            let foreignRequests = Locked<[FakeRequest]>([])
            let foreign = try await FakeHTTPServer.start { request in
                foreignRequests.withLock { $0.append(request) }
                return .status(201, [("Docker-Content-Digest", request.query["digest"] ?? "")])
            }
            try await withFixture(foreign, tearDown: { await $0.shutdown() }) { foreign throws in
                // Same host, other port: another origin. The registry hands out an upload URL there
                // once the client has authenticated to it.
                registry.setFault { request, _ in
                    guard request.method == "POST", request.path.hasSuffix("/blobs/uploads/"),
                        request.header("Authorization")?.hasPrefix(expectedPrefix) == true
                    else { return nil }
                    return .status(202, [("Location", "http://\(foreign.address)/elsewhere/upload-1?_state=x")])
                }
                let client = makeClient(registry, credentials: credentials)
                let outcome = try await client.pushBlob(repository: "app", data: Data("layer bytes".utf8))
                #expect(outcome == .uploaded(bytes: 11))

                let seen = foreignRequests.current
                #expect(seen.map(\.method) == ["PUT"])
                #expect(seen.allSatisfy { $0.header("Authorization") == nil })
                #expect(
                    registry.requests("POST", containing: "/blobs/uploads/")
                        .contains { $0.header("Authorization")?.hasPrefix(expectedPrefix) == true })
            }
        }
    }

    @Test(arguments: ["bearer", "basic", "token"])
    func tagsLinkToAnotherOriginGetsNoCredentials(kind: String) async throws {
        try await withFixture(try await authenticatedRegistry(kind), tearDown: { await $0.0.shutdown() }) { registry, credentials, expectedPrefix throws in
            let foreignRequests = Locked<[FakeRequest]>([])
            let foreign = try await FakeHTTPServer.start { request in
                foreignRequests.withLock { $0.append(request) }
                return .status(200, json: #"{"name":"app","tags":["c"]}"#)
            }
            try await withFixture(foreign, tearDown: { await $0.shutdown() }) { foreign throws in
                registry.setFault { request, _ in
                    guard request.path.hasSuffix("/tags/list"),
                        request.header("Authorization")?.hasPrefix(expectedPrefix) == true
                    else { return nil }
                    return .status(
                        200, [("Link", "<http://\(foreign.address)/v2/app/tags/list?last=b>; rel=\"next\"")],
                        json: #"{"name":"app","tags":["a","b"]}"#)
                }
                let tags = try await makeClient(registry, credentials: credentials).tags(repository: "app")
                #expect(tags == ["a", "b", "c"])
                let seen = foreignRequests.current
                #expect(seen.count == 1)
                #expect(seen.allSatisfy { $0.header("Authorization") == nil })
                #expect(registry.requests("GET", containing: "/tags/list").contains { $0.header("Authorization")?.hasPrefix(expectedPrefix) == true })
            }
        }
    }

    // MARK: Token realms

    /// TokenFetcher is exercised directly: the fake listens on plain HTTP only, so a client
    /// built for an HTTPS registry could never reach its challenge. The realm server is real
    /// and counts requests, so "refused" means nothing was sent, and the control case shows
    /// the same fetcher does reach it when the rule allows.
    func fetcher(realm: String, registryIsLocal: Bool, credentials: RegistryCredentials?) throws -> TokenFetcher {
        let challenge = try #require(AuthChallenge(header: #"Bearer realm="\#(realm)",service="fake""#))
        return TokenFetcher(
            registry: registryIsLocal ? "127.0.0.1:5000" : "registry.example.com", challenge: challenge,
            scopes: ["repository:app:pull"], credentials: credentials, httpClient: .failFast, clientID: "test",
            registryIsLocal: registryIsLocal, hint: nil)
    }

    @Test func plainHTTPRealmIsRefusedUnlessTheRegistryIsPlainHTTPToo() async throws {
        try await FakeRegistry.with { realm throws in
            let url = "http://\(realm.address)/token"
            await #expect {
                _ = try await fetcher(realm: url, registryIsLocal: false, credentials: nil).fetch()
            } throws: { error in
                guard case let .authenticationFailed(registry, realmText, reason)? = error as? RegistryError else { return false }
                return registry == "registry.example.com" && realmText == url && reason.contains("plain HTTP")
                    && error.localizedDescription.contains("HTTPS")
            }
            await #expect(throws: RegistryError.self) {
                _ = try await fetcher(realm: url, registryIsLocal: false, credentials: .basic(username: "u", password: "p")).fetch()
            }
            #expect(realm.state.current.tokenRequests.isEmpty)

            // Control: with a plain-HTTP (loopback) registry the same realm is used.
            let token = try await fetcher(realm: url, registryIsLocal: true, credentials: .basic(username: "u", password: "p")).fetch()
            #expect(token.hasPrefix("tok-"))
            let requests = realm.state.current.tokenRequests
            #expect(requests.count == 1)
            #expect(requests.first?.header("Authorization")?.hasPrefix("Basic ") == true)
        }
    }

    /// A non-loopback IPv4 address of this machine, so a realm server can be really
    /// reachable at a host the loopback rule does not cover.
    static let nonLoopbackAddress: String? = {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                entry.pointee.ifa_flags & UInt32(IFF_UP) != 0, entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0
            else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }()

    @Test(.enabled(if: nonLoopbackAddress != nil, "needs a non-loopback IPv4 address"))
    func basicCredentialsGoToAPlainHTTPRealmOnlyOnLoopback() async throws {
        let host = try #require(Self.nonLoopbackAddress)
        let realmRequests = Locked<[FakeRequest]>([])
        let realm = try await FakeHTTPServer.start(host: host) { request in
            realmRequests.withLock { $0.append(request) }
            return .status(200, json: #"{"token":"anonymous-token"}"#)
        }
        try await withFixture(realm, tearDown: { await $0.shutdown() }) { realm throws in
            let url = "http://\(realm.address)/token"
            await #expect {
                _ = try await fetcher(realm: url, registryIsLocal: true, credentials: .basic(username: "u", password: "pw-secret")).fetch()
            } throws: { error in
                guard case let .authenticationFailed(_, _, reason)? = error as? RegistryError else { return false }
                return reason.contains("another host")
            }
            #expect(realmRequests.current.isEmpty)

            // Control: without credentials the same realm is asked (and gets no Authorization).
            let token = try await fetcher(realm: url, registryIsLocal: true, credentials: nil).fetch()
            #expect(token == "anonymous-token")
            #expect(realmRequests.current.count == 1)
            #expect(realmRequests.current.first?.header("Authorization") == nil)
        }
    }

    @Test func registryWhoseChallengeNamesAPlainHTTPForeignRealmGetsNoPassword() async throws {
        // End to end through the client: a loopback registry challenging with a plain-HTTP
        // realm on a non-loopback name. The name cannot resolve (.invalid), but the client
        // must refuse before any lookup, so the answer is the realm rule, not a DNS error.
        try await FakeRegistry.with { registry throws in
            registry.setFault { _, _ in
                .status(401, [("WWW-Authenticate", #"Bearer realm="http://realm.oubliette.invalid/token",service="fake""#)])
            }
            let client = makeClient(registry, credentials: StaticCredentials(.basic(username: "u", password: "pw-secret")))
            await #expect {
                _ = try await client.manifest(repository: "app", reference: "1")
            } throws: { error in
                guard case let .authenticationFailed(_, realm, reason)? = error as? RegistryError else { return false }
                return realm == "http://realm.oubliette.invalid/token" && reason.contains("another host")
                    && !error.localizedDescription.contains("pw-secret")
            }
        }
    }

    // MARK: Limits

    @Test func oversizedBlobBodyIsCutOffAtTheDescriptorSize() async throws {
        try await FakeRegistry.with { registry throws in
            let small = Array("ten bytes!".utf8)
            let digest = registry.seedBlob(small, repository: "app")
            let sent = Locked(0)
            let total = 50 << 20
            registry.setFault { request, _ in
                request.method == "GET" && request.path.contains("/blobs/") ? .stream(headers: [], total: total, sent: sent) : nil
            }
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let written = Locked<Int64>(0)
            let client = makeClient(registry)
            var received: Int64 = -1
            do {
                try await client.pullBlob(
                    repository: "app", digest: digest, to: directory.appendingPathComponent("blob"),
                    expectedSize: Int64(small.count)
                ) { event in
                    if case let .blobProgress(_, done, _) = event { written.withLock { $0 = max($0, done) } }
                }
                Issue.record("a 50 MiB body for a 10-byte descriptor was accepted")
            } catch let RegistryError.sizeMismatch(what, expected, actual) {
                #expect(expected == 10)
                #expect(what.contains(digest.description) && what.contains(registry.address))
                received = actual
            }
            // The client read one network buffer past the limit, not the body.
            #expect(received > 10 && received < 10 + (1 << 20))
            #expect(written.current <= 10)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
            // The server could push at most what the socket buffers hold before the client hung up.
            #expect(sent.current < total / 2)
            #expect(registry.requests("GET", containing: "/blobs/").count == 1)
            print("oversized blob: client read \(received) bytes, server got \(sent.current) of \(total) bytes out before the cut")
        }
    }

    @Test func tagListingStopsClearlyAtItsCaps() async throws {
        try await FakeRegistry.with { registry throws in
            for index in 0..<30 {
                _ = registry.seedManifest(
                    RegistryFaultTests.manifestJSON, mediaType: MediaType.ociManifest, repository: "app",
                    tag: String(format: "t%02d", index))
            }
            let client = makeClient(registry)
            let all = try await client.tags(repository: "app", pageSize: 5)
            #expect(all.count == 30)
            #expect(registry.requests("GET", containing: "/tags/list").count == 6)

            await #expect {
                _ = try await client.tags(repository: "app", pageSize: 5, limits: .init(maximumPages: 3))
            } throws: { error in
                guard case let .limitExceeded(_, request, limit)? = error as? RegistryError else { return false }
                return request.contains("app") && limit == "3 pages of tags" && error.localizedDescription.contains(registry.address)
            }
            await #expect {
                _ = try await client.tags(repository: "app", pageSize: 5, limits: .init(maximumTags: 12))
            } throws: { error in
                guard case let .limitExceeded(_, _, limit)? = error as? RegistryError else { return false }
                return limit == "12 tags"
            }
        }
    }

    @Test func chunkedUploadThatNeverAdvancesEndsWithProtocolViolation() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { request, _ in
                guard request.method == "PATCH" else { return nil }
                // Accepts every chunk but always reports the same single byte stored.
                return .status(202, [("Location", request.uri), ("Range", "0-0")])
            }
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let bytes = (0..<5000).map { UInt8($0 % 251) }
            let file = directory.appendingPathComponent("layer")
            try Data(bytes).write(to: file)
            let client = makeClient(registry, uploadPolicy: UploadPolicy(monolithicLimit: 100, chunkSize: 500))
            await #expect {
                _ = try await client.pushBlob(repository: "app", file: file, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
            } throws: { error in
                guard case let .protocolViolation(_, request, reason)? = error as? RegistryError else { return false }
                return request.contains("PATCH") && reason.contains("did not advance")
            }
            let patches = registry.requests("PATCH", containing: "/blobs/uploads/").count
            #expect(patches >= 2 && patches <= 5)
            #expect(registry.requests("PUT", containing: "/blobs/uploads/").isEmpty)
        }
    }
}
