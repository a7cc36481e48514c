/// What ``withDeadline(_:_:)`` saw first.
package enum DeadlineOutcome<Value: Sendable>: Sendable {
    case finished(Result<Value, any Error>)
    case timedOut
}

/// Runs `work`, giving up after `limit`: the work is cancelled and `.timedOut` returned. For
/// waits on a peer (a registry, an engine) whose answer is useful only when it is quick.
package func withDeadline<Value: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
    await withTaskGroup(of: DeadlineOutcome<Value>?.self) { group in
        group.addTask {
            do { return .finished(.success(try await work())) } catch { return .finished(.failure(error)) }
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return Task.isCancelled ? nil : .timedOut
        }
        var outcome: DeadlineOutcome<Value> = .timedOut
        if let first = await group.next(), let first { outcome = first }
        group.cancelAll()
        return outcome
    }
}
