/// Waits between retries. A seam so tests can run backoff schedules without sleeping.
public protocol Sleeper: Sendable {
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct ContinuousSleeper: Sleeper {
    public init() {}
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
