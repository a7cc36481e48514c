/// Runs `body` with `fixture` and awaits `tearDown(fixture)` after it, whether `body` returns
/// or throws: the scoped form of a fixture a helper made, in place of `defer { Task { … } }`,
/// whose teardown nobody waits for (servers outlived their tests and raced the next ones).
package func withFixture<Fixture, T>(
    _ fixture: Fixture, tearDown: (Fixture) async -> Void, _ body: (Fixture) async throws -> T
) async throws -> T {
    do {
        let result = try await body(fixture)
        await tearDown(fixture)
        return result
    } catch {
        await tearDown(fixture)
        throw error
    }
}
