import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The scoped fixtures must really have shut down when `with` returns, on every path:
/// that is what replaced `defer { Task { … } }`, whose teardown nobody awaited.
@Suite("Scoped fixtures and the fake HTTP server")
struct ScopedFixtureTests {
    struct Planned: Error {}

    @Test func withFixtureTearsDownAfterReturnAndAfterThrow() async throws {
        let tornDown = Locked<[String]>([])
        let value = try await withFixture("a", tearDown: { name in tornDown.withLock { $0.append(name) } }) { name in
            #expect(tornDown.current.isEmpty, "not before the body ran")
            return name + "!"
        }
        #expect(value == "a!")
        await #expect(throws: Planned.self) {
            try await withFixture("b", tearDown: { name in tornDown.withLock { $0.append(name) } }) { _ in throw Planned() }
        }
        #expect(tornDown.current == ["a", "b"])
    }

    @Test func aRegistryFromWithIsClosedWhenWithReturns() async throws {
        let address = try await FakeRegistry.with { registry throws in
            #expect(try await Self.status(of: "http://\(registry.address)/v2/") == 200)
            return registry.address
        }
        await #expect(throws: (any Error).self, "the listener is gone") { _ = try await Self.status(of: "http://\(address)/v2/") }
    }

    @Test func chunkedDelayedAndAwaitingResponses() async throws {
        let chunked = try await FakeHTTPServer.with({ _ in
            .delayed(.milliseconds(200), .chunked(status: 201, headers: [], chunks: [Array("one ".utf8), Array("two".utf8)]))
        }) { server in
            let started = ContinuousClock.now
            let (body, status) = try await Self.get("http://\(server.address)/")
            #expect(ContinuousClock.now - started >= .milliseconds(200))
            return (String(decoding: body, as: UTF8.self), status)
        }
        #expect(chunked.0 == "one two" && chunked.1 == 201)

        let gate = Gate()
        let server = try await FakeHTTPServer.start(serving: { request in
            await gate.wait()
            return .reply(status: 200, body: Array(request.path.utf8))
        })
        try await withFixture(server, tearDown: { await $0.shutdown() }) { server in
            let answer = Task { try await Self.get("http://\(server.address)/held") }
            try await Task.sleep(for: .milliseconds(100))
            await gate.open()
            let (body, status) = try await answer.value
            #expect(status == 200 && String(decoding: body, as: UTF8.self) == "/held")
        }
    }

    static func status(of url: String) async throws -> Int { try await get(url).1 }

    static func get(_ url: String) async throws -> (Data, Int) {
        guard let url = URL(string: url) else { throw URLError(.badURL) }
        let (data, response) = try await URLSession.shared.data(from: url)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
