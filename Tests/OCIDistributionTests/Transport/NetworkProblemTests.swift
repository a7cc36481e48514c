import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

@testable import OCIDistribution

/// The phrases users see for failed connections, from the real client's real errors.
@Suite("Network problems in words")
struct NetworkProblemTests {
    static func failure(_ url: String) async -> (any Error)? {
        do {
            _ = try await HTTPClient.failFast.execute(HTTPClientRequest(url: url), timeout: .seconds(20))
            return nil
        } catch {
            return error
        }
    }

    @Test("refused, unresolvable, TLS to a plain-HTTP port: each a phrase, never NIO's dump")
    func phrases() async throws {
        let server = try await FakeHTTPServer.start { _ in .status(200) }
        try await withFixture(server, tearDown: { await $0.shutdown() }) { server throws in
            let cases: [(url: String, phrase: String)] = [
                ("http://127.0.0.1:1/v2/", "connection refused"),
                ("http://no-such-host.invalid/v2/", "the host name does not resolve"),
                ("https://127.0.0.1:\(server.port)/v2/", "the TLS handshake failed"),
            ]
            for (url, phrase) in cases {
                let error = try #require(await Self.failure(url), "\(url) answered")
                let text = NetworkProblem.phrase(error)
                #expect(text.hasPrefix(phrase), "\(url): '\(text)' from \(String(reflecting: error))")
                for leak in ["errno", "NIO", "descriptor", "Error("] { #expect(!text.contains(leak), "\(text)") }
            }
        }
    }
}
