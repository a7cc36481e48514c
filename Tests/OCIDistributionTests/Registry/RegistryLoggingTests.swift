import Foundation
import Logging
import OCIDistribution
import TestSupport
import Testing

/// What `--log-level debug` shows of registry traffic: every request with its status and
/// duration, every retry, and never a credential.
@Suite struct RegistryLoggingTests {
    @Test func eachRequestIsLoggedAtDebugWithItsStatusAndDurationButNotItsAuthorization() async throws {
        let password = "hunter2-secret-value"
        let registry = try await FakeRegistry.start(basicAuth: ("alice", password))
        defer { Task { await registry.shutdown() } }
        let digest = registry.seedBlob(Array("layer".utf8), repository: "app")
        let records = LogRecorder()
        let client = RegistryClient(
            registry: registry.address, credentials: StaticCredentials(.basic(username: "alice", password: password)),
            sleeper: RecordingSleeper(), logger: records.logger(label: "test.registry"))
        _ = try await client.blob(repository: "app", digest: digest)

        let debug = records.entries.filter { $0.level == .debug }
        let url = "http://\(registry.address)/v2/app/blobs/\(digest)"
        // The first attempt is answered 401 (the challenge), the second 200 with credentials.
        #expect(debug.map(\.message) == ["GET \(url) 401", "GET \(url) 200"], "\(debug.map(\.line))")
        #expect(debug.allSatisfy { $0.metadata["duration"]?.hasSuffix(" ms") == true }, "\(debug.map(\.line))")
        let basic = Data("alice:\(password)".utf8).base64EncodedString()
        let everything = records.entries.map(\.line).joined(separator: "\n")
        #expect(!everything.contains(password) && !everything.contains(basic) && !everything.contains("Authorization"), "\(everything)")
    }

    @Test func eachRetryIsLoggedWithTheAttemptAndTheDelay() async throws {
        let registry = try await FakeRegistry.start()
        defer { Task { await registry.shutdown() } }
        let failures = Locked(2)
        registry.setFault { request, _ in
            guard request.path.hasSuffix("/v2/") else { return nil }
            return failures.withLock { left in
                guard left > 0 else { return nil }
                left -= 1
                return .status(503)
            }
        }
        let records = LogRecorder()
        let client = RegistryClient(
            registry: registry.address, credentials: AnonymousCredentials(), sleeper: RecordingSleeper(), logger: records.logger(label: "test.registry"))
        try await client.ping()
        let retries = records.entries.filter { $0.level == .debug && $0.message.hasPrefix("retrying GET /v2/") }
        #expect(retries.map { $0.metadata["attempt"] } == ["2", "3"], "\(records.entries.map(\.line))")
        #expect(retries.map { $0.metadata["delay"] } == ["1 s", "2 s"], "\(records.entries.map(\.line))")
        #expect(retries.allSatisfy { $0.message.contains("HTTP 503") })
    }
}
