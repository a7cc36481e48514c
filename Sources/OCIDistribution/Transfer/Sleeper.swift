/// Waits between retries. A seam so tests can run backoff schedules without sleeping.
package protocol Sleeper: Sendable {
    func sleep(for duration: Duration) async throws
}

/// The real clock.
package struct ContinuousSleeper: Sleeper {
    package init() {}
    package func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
