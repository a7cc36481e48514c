import Foundation
import TestSupport
import Testing

@testable import OCIDistribution

/// Every `RegistryError` a user can meet, produced the way it happens (a misbehaving fake
/// registry, a real credential helper script), and its text: it names the registry, the
/// repository or digest, and says what to do.
@Suite("Registry error texts", .timeLimit(.minutes(2)))
struct RegistryErrorTextTests {
    func makeClient(_ registry: FakeRegistry) -> RegistryClient {
        RegistryClient(registry: registry.address, credentials: AnonymousCredentials(), sleeper: RecordingSleeper())
    }

    func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("registry-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The error `body` throws, which must be a `RegistryError`.
    func registryError(_ body: () async throws -> Void) async -> RegistryError? {
        do {
            try await body()
            Issue.record("no error was thrown")
        } catch let error as RegistryError {
            return error
        } catch {
            Issue.record("not a RegistryError: \(error)")
        }
        return nil
    }

    @Test func sizeMismatch() async throws {
        try await FakeRegistry.with { registry throws in
            let bytes = Array(repeating: UInt8(7), count: 1000)
            let digest = registry.seedBlob(bytes, repository: "app")
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let error = await registryError {
                try await makeClient(registry).pullBlob(repository: "app", digest: digest, to: directory.appendingPathComponent("b"), expectedSize: 10)
            }
            guard case .sizeMismatch? = error, let text = error?.description else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(text.contains(registry.address) && text.contains("app@\(digest)"))
            #expect(text.contains("nothing was kept") && text.contains("try again"))
        }
    }

    @Test func invalidManifest() async throws {
        try await FakeRegistry.with { registry throws in
            let bytes = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":"not a descriptor","layers":[]}"#.utf8)
            let digest = registry.seedManifest(bytes, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let fetched = try await makeClient(registry).manifest(repository: "app", reference: "1")
            let error = await registryError { _ = try fetched.imageManifest() }
            guard case .invalidManifest? = error, let text = error?.description else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(text.contains(digest.description))
            #expect(text.contains("push the image again"))
        }
    }

    @Test func unsupportedMediaType() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { _, _ in .reply(status: 200, headers: [("Content-Type", "text/html")], body: Array("<html>login</html>".utf8)) }
            let error = await registryError { _ = try await makeClient(registry).manifest(repository: "app", reference: "1") }
            guard case .unsupportedMediaType? = error, let text = error?.description else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(text.contains("\(registry.address)/app:1") && text.contains("'text/html'"))
            #expect(text.contains(MediaType.ociManifest) && text.contains("push the image in an OCI or Docker v2 format"))
        }
    }

    @Test func authenticationFailed() async throws {
        try await FakeRegistry.with { registry throws in
            // A token service that answers without a token.
            registry.setFault { request, _ in
                request.path == "/auth"
                    ? .status(200, json: #"{"nothing":true}"#)
                    : .status(401, [("WWW-Authenticate", #"Bearer realm="http://\#(registry.address)/auth",service="fake""#)])
            }
            let error = await registryError { _ = try await makeClient(registry).manifest(repository: "app", reference: "1") }
            guard case .authenticationFailed? = error, let text = error?.description else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(text.contains(registry.address) && text.contains("/auth") && text.contains("holds no token"))
            #expect(text.contains("check the registry address"))
        }
    }

    @Test func protocolViolation() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { request, _ in request.path.hasSuffix("/tags/list") ? .status(200, json: "[1,2,3]") : nil }
            let error = await registryError { _ = try await makeClient(registry).tags(repository: "app") }
            guard case .protocolViolation? = error, let text = error?.description else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(text.contains(registry.address) && text.contains("GET tags app"))
            #expect(text.contains("not a compatible OCI distribution registry"))
        }
    }

    @Test func wrongRegistry() async throws {
        try await FakeRegistry.with { registry throws in
            let error = await registryError {
                try await makeClient(registry).addTags(["x"], to: ImageReference(parsing: "other.example.com/app:1"))
            }
            guard case .wrongRegistry? = error, let text = error?.description else { return #expect(Bool(false), "\(String(describing: error))") }
            #expect(text.contains(registry.address) && text.contains("other.example.com"))
            #expect(text.contains("use a client for other.example.com"))
            #expect(registry.log.isEmpty)
        }
    }

    @Test func unexpectedStatus() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { _, _ in .status(418, json: #"{"errors":[{"code":"TEAPOT","message":"short and stout"}]}"#) }
            let error = await registryError { _ = try await makeClient(registry).manifest(repository: "app", reference: "1") }
            guard case let .unexpectedStatus(_, _, status, _)? = error, let text = error?.description else {
                return #expect(Bool(false), "\(String(describing: error))")
            }
            #expect(status == 418)
            #expect(text.contains(registry.address) && text.contains("manifest app:1") && text.contains("TEAPOT: short and stout"))
            #expect(text.contains("report it to its operator"))
        }
    }
}

/// `docker-credential-<name>` helpers as real executables on a PATH given to the source.
@Suite("Docker credential helpers", .timeLimit(.minutes(1)))
struct CredentialHelperTests {
    struct Fixture {
        let directory: URL
        let helper: String
        let credentials: DockerConfigCredentials

        /// A helper script with `body` (POSIX sh) configured for `registry.example.com`.
        init(body: String, timeout: Duration = .seconds(10)) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("helpers-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            helper = "oubliette-test-\(UUID().uuidString.prefix(8).lowercased())"
            let script = directory.appendingPathComponent("docker-credential-\(helper)")
            try Data("#!/bin/sh\n\(body)\n".utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            let config = directory.appendingPathComponent("config.json")
            try Data(#"{"credHelpers":{"registry.example.com":"\#(helper)"}}"#.utf8).write(to: config)
            credentials = DockerConfigCredentials(
                configFile: config, environment: ["PATH": "\(directory.path):/usr/bin:/bin"],
                helperTimeout: timeout)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func helperAnswerBecomesBasicCredentials() async throws {
        // The helper echoes the server URL it read on stdin as the user name.
        let fixture = try Fixture(body: #"read url; [ "$1" = get ] || exit 9; printf '{"ServerURL":"%s","Username":"%s","Secret":"s3cret"}' "$url" "$url""#)
        defer { fixture.remove() }
        #expect(try await fixture.credentials.credentials(for: "registry.example.com") == .basic(username: "registry.example.com", password: "s3cret"))
    }

    @Test func credentialsNotFoundMeansAnonymous() async throws {
        let fixture = try Fixture(body: "echo 'credentials not found in native keychain'; exit 1")
        defer { fixture.remove() }
        #expect(try await fixture.credentials.credentials(for: "registry.example.com") == nil)
    }

    @Test func failingHelperIsReportedWithItsMessage() async throws {
        let fixture = try Fixture(body: "echo 'keychain is locked' >&2; exit 3")
        defer { fixture.remove() }
        await #expect {
            _ = try await fixture.credentials.credentials(for: "registry.example.com")
        } throws: { error in
            guard case let .credentialHelperFailed(helper, registry, reason)? = error as? RegistryError else { return false }
            let text = String(describing: error)
            return helper == "docker-credential-\(fixture.helper)" && registry == "registry.example.com"
                && reason.contains("exit 3") && reason.contains("keychain is locked")
                && text.contains("check that it is on PATH and logged in")
        }
    }

    @Test func hangingHelperIsKilledAtItsTimeout() async throws {
        let fixture = try Fixture(body: "exec sleep 60", timeout: .milliseconds(300))
        defer { fixture.remove() }
        let clock = ContinuousClock()
        let started = clock.now
        await #expect {
            _ = try await fixture.credentials.credentials(for: "registry.example.com")
        } throws: { error in
            guard case let .credentialHelperFailed(_, _, reason)? = error as? RegistryError else { return false }
            return reason.contains("did not finish")
        }
        #expect(clock.now - started < .seconds(20))
    }

    @Test func missingHelperSaysSo() async throws {
        let fixture = try Fixture(body: "exit 0")
        defer { fixture.remove() }
        try FileManager.default.removeItem(at: fixture.directory.appendingPathComponent("docker-credential-\(fixture.helper)"))
        await #expect {
            _ = try await fixture.credentials.credentials(for: "registry.example.com")
        } throws: { error in
            guard case let .credentialHelperFailed(_, _, reason)? = error as? RegistryError else { return false }
            return reason.contains("not found on PATH")
        }
    }
}
