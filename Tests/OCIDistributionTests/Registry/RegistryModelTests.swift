import Foundation
import TestSupport
import Testing

@testable import OCIDistribution

@Suite("Registry model and parsing")
struct RegistryModelTests {
    @Test func deterministicJSONSortsKeysAndKeepsSlashes() throws {
        let config = Descriptor(mediaType: MediaType.ociConfig, digest: Digest.sha256(of: Array("{}".utf8)), size: 2)
        let manifest = ImageManifest(config: config, layers: [], annotations: ["z": "1", "a": "2"])
        let first = try RegistryJSON.encode(manifest)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.contains("application/vnd.oci.image.manifest.v1+json"))
        #expect(!text.contains(#"\/"#))
        #expect(text.hasPrefix(#"{"annotations":{"a":"2","z":"1"},"config":"#))
        #expect(try RegistryJSON.encode(RegistryJSON.decode(ImageManifest.self, from: first)) == first)
    }

    @Test func configurationLabelsDecode() throws {
        let json =
            #"{"architecture":"amd64","os":"linux","config":{"Labels":{"org.opencontainers.image.revision":"abc123"},"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[]}}"#
        let config = try RegistryJSON.decode(ImageConfiguration.self, from: Data(json.utf8))
        #expect(config.labels == ["org.opencontainers.image.revision": "abc123"])
        #expect(config.config?.env == ["A=1"])
    }

    @Test func bearerChallengeParses() {
        let challenge = AuthChallenge(
            header: #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push repository:c:pull""#)
        #expect(challenge?.scheme == .bearer)
        #expect(challenge?.realm == "https://auth.example/token")
        #expect(challenge?.service == "registry.example")
        #expect(challenge?.scopes == ["repository:a/b:pull,push", "repository:c:pull"])
        #expect(AuthChallenge(header: #"Basic realm="Registry Realm""#)?.scheme == .basic)
        #expect(AuthChallenge(header: "Negotiate abc") == nil)
    }

    @Test func linkHeaderNextIsFound() {
        #expect(RegistryClient.nextLink([#"</v2/app/tags/list?n=5&last=t4>; rel="next""#]) == "/v2/app/tags/list?n=5&last=t4")
        #expect(RegistryClient.nextLink([#"<https://x/a>; rel="prev", <https://x/b>; rel="next""#]) == "https://x/b")
        #expect(RegistryClient.nextLink([]) == nil)
    }

    @Test func retryAfterAcceptsSecondsAndDatesAndIsCapped() {
        let policy = RetryPolicy.default
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(policy.delay(beforeRetry: 0, retryAfter: "3", now: now) == .seconds(3))
        #expect(policy.delay(beforeRetry: 2, retryAfter: nil, now: now) == .seconds(4))
        #expect(policy.delay(beforeRetry: 0, retryAfter: "86400", now: now) == .seconds(60))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let later = formatter.string(from: now.addingTimeInterval(10))
        #expect(policy.delay(beforeRetry: 0, retryAfter: later, now: now) == .seconds(10))
    }

    @Test func plainHTTPOnlyForLoopbackUnlessListed() {
        #expect(TransportSecurity.isLoopback("localhost:5000"))
        #expect(TransportSecurity.isLoopback("127.0.0.1:5000"))
        #expect(TransportSecurity.isLoopback("127.1.2.3"))
        #expect(!TransportSecurity.isLoopback("128.0.0.1:5000"))
        #expect(!TransportSecurity.isLoopback("ghcr.io"))
        #expect(RegistryClient(registry: "ghcr.io").baseURL == "https://ghcr.io")
        #expect(RegistryClient(registry: "127.0.0.1:5000").baseURL == "http://127.0.0.1:5000")
        #expect(RegistryClient(registry: "registry.lan:5000", security: .plainHTTP).baseURL == "http://registry.lan:5000")
        #expect(RegistryClient(registry: "docker.io").baseURL == "https://registry-1.docker.io")
    }

    @Test func imageLocationsParseLikeSkopeo() throws {
        #expect(try ImageLocation(parsing: "docker://127.0.0.1:5000/a/b:1") == .registry(try ImageReference(parsing: "127.0.0.1:5000/a/b:1")))
        #expect(try ImageLocation(parsing: "oci:/tmp/img:1.0") == .ociLayout(directory: URL(fileURLWithPath: "/tmp/img"), tag: "1.0"))
        #expect(try ImageLocation(parsing: "oci:/tmp/img") == .ociLayout(directory: URL(fileURLWithPath: "/tmp/img"), tag: nil))
        #expect(throws: ImageLocationError.self) { try ImageLocation(parsing: "/tmp/img") }
        #expect(throws: ImageLocationError.self) { try ImageLocation(parsing: "docker://a//b") }
    }

    @Test func redactionScrubsHeadersTokensAndKnownSecrets() {
        let text = #"Authorization: Bearer abc.def.ghi {"token":"s3cr3t","access_token":"x"} https://h/t?token=zzz&x=1 basic dXNlcjpwYXNz pw=hunter22"#
        let redacted = Redaction.redact(text, secrets: ["hunter22"])
        for secret in ["abc.def.ghi", "s3cr3t", "zzz", "dXNlcjpwYXNz", "hunter22"] { #expect(!redacted.contains(secret)) }
        #expect(redacted.contains("x=1"))
        #expect(RegistryCredentials.basic(username: "u", password: "pw-secret").description.contains("pw-secret") == false)
    }
}

@Suite("Registry credentials")
struct RegistryCredentialsTests {
    func writeConfig(_ json: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docker-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(json.utf8).write(to: directory.appendingPathComponent("config.json"))
        return directory
    }

    @Test func dockerConfigAuthsAndIdentityTokens() async throws {
        let auth = Data("ci:pa:ss".utf8).base64EncodedString()
        let dir = try writeConfig(
            #"{"auths":{"https://registry.example:5000":{"auth":"\#(auth)"},"ghcr.io":{"identitytoken":"refresh-me"},"https://index.docker.io/v1/":{"auth":"\#(auth)"}}}"#
        )
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.path])
        #expect(try await source.credentials(for: "registry.example:5000") == .basic(username: "ci", password: "pa:ss"))
        #expect(try await source.credentials(for: "ghcr.io") == .identityToken("refresh-me"))
        #expect(try await source.credentials(for: "docker.io") == .basic(username: "ci", password: "pa:ss"))
        #expect(try await source.credentials(for: "quay.io") == nil)
    }

    @Test func credentialHelpersWinOverAuthsAndCredsStoreIsTheFallback() async throws {
        let dir = try writeConfig(
            #"{"auths":{"ghcr.io":{"auth":"\#(Data("a:b".utf8).base64EncodedString())"}},"credHelpers":{"ghcr.io":"gh"},"credsStore":"desktop"}"#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let calls = Locked<[String]>([])
        let source = DockerConfigCredentials(configFile: dir.appendingPathComponent("config.json"), environment: [:]) { helper, server in
            calls.withLock { $0.append("\(helper) \(server)") }
            if helper == "gh" { return .init(username: "<token>", secret: "idtok") }
            return server == "quay.io" ? .init(username: "q", secret: "qpw") : nil
        }
        #expect(try await source.credentials(for: "ghcr.io") == .identityToken("idtok"))
        #expect(try await source.credentials(for: "quay.io") == .basic(username: "q", password: "qpw"))
        #expect(try await source.credentials(for: "docker.io") == nil)
        #expect(calls.current == ["gh ghcr.io", "desktop quay.io", "desktop https://index.docker.io/v1/"])
    }

    @Test func brokenConfigNamesTheFile() async throws {
        let dir = try writeConfig("{not json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = DockerConfigCredentials(environment: ["DOCKER_CONFIG": dir.path])
        await #expect {
            _ = try await source.credentials(for: "x.io")
        } throws: { error in
            "\(error)".contains(dir.appendingPathComponent("config.json").path)
        }
    }

    @Test func environmentCredentialsAreScopedByHost() async throws {
        let tokenOnly = EnvironmentCredentials(
            prefix: "OUBLIETTE_REGISTRY",
            environment: ["OUBLIETTE_REGISTRY_TOKEN": "ghs_x", "OUBLIETTE_REGISTRY_HOST": "ghcr.io"])
        #expect(try await tokenOnly.credentials(for: "ghcr.io") == .registryToken("ghs_x"))
        #expect(try await tokenOnly.credentials(for: "quay.io") == nil)
        #expect(tokenOnly.unscopedWarning == nil)
        let basic = EnvironmentCredentials(
            prefix: "OUBLIETTE_REGISTRY",
            environment: ["OUBLIETTE_REGISTRY_USER": "me", "OUBLIETTE_REGISTRY_PASSWORD": "pw"])
        let scoped = EnvironmentCredentials(
            prefix: "OUBLIETTE_REGISTRY",
            environment: [
                "OUBLIETTE_REGISTRY_USER": "me", "OUBLIETTE_REGISTRY_PASSWORD": "pw", "OUBLIETTE_REGISTRY_HOST": "a.io:5000",
            ])
        #expect(try await scoped.credentials(for: "a.io:5000") == .basic(username: "me", password: "pw"))
        // Unscoped secrets go to no registry at all, and say so.
        #expect(try await basic.credentials(for: "anything.io") == nil)
        #expect(try await basic.credentials(for: "docker.io") == nil)
        let warning = try #require(basic.unscopedWarning)
        #expect(warning.contains("OUBLIETTE_REGISTRY_HOST") && warning.contains("OUBLIETTE_REGISTRY_USER"))
        #expect(!warning.contains("pw"))
        let chain = ChainedCredentials([EnvironmentCredentials(prefix: "X", environment: [:]), StaticCredentials(.registryToken("t"), registry: "a.io")])
        #expect(try await chain.credentials(for: "a.io") == .registryToken("t"))
        #expect(try await chain.credentials(for: "b.io") == nil)
    }
}

@Suite("OCI layout")
struct OCILayoutTests {
    @Test func writesAndResolvesTagsAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: OCILayoutError.notALayout(directory: dir.path)) { _ = try OCILayout.open(dir) }
        let layout = try OCILayout.openOrCreate(dir)
        let config = try layout.writeBlob(Data("{}".utf8))
        let manifest = ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: config, size: 2), layers: [])
        let bytes = try RegistryJSON.encode(manifest)
        let digest = try layout.writeBlob(bytes)
        let descriptor = Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count))
        try layout.setTag("1.0", to: descriptor)
        try layout.setTag("1.0", to: descriptor)
        try layout.setTag("latest", to: descriptor)
        let reopened = try OCILayout.open(dir)
        #expect(try reopened.tags().sorted() == ["1.0", "latest"])
        #expect(try reopened.manifest(reopened.descriptor(tag: "1.0")).bytes == bytes)
        #expect(throws: OCILayoutError.self) { _ = try reopened.descriptor(tag: nil) }
        #expect(throws: OCILayoutError.self) { _ = try reopened.descriptor(tag: "2.0") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
        // A corrupt blob is caught when read.
        try Data("tampered".utf8).write(to: layout.blobURL(config))
        #expect(throws: OCILayoutError.self) { _ = try layout.readBlob(config) }
    }
}
