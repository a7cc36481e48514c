import ContainerRuntimes
import OCIDistribution

/// Forwards to a real runtime, counts the calls and records what was pulled, so tests can
/// assert "no pull happened" against the real engine; hooks run just before the first pull
/// (inside the stream the caller awaits) and before every container create, to change the
/// engine's or the registry's state between oubliette's checks and the engine's work.
package final class CountingRuntime: ContainerRuntime {
    package let wrapped: any ContainerRuntime
    private let counts = Locked<[String: Int]>([:])
    private let pulledReferences = Locked<[String]>([])
    private let beforeFirstPull: Locked<(@Sendable () async -> Void)?>
    private let beforeEachCreate: (@Sendable () async throws -> Void)?

    package init(
        _ wrapped: any ContainerRuntime, beforeFirstPull: (@Sendable () async -> Void)? = nil,
        beforeEachCreate: (@Sendable () async throws -> Void)? = nil
    ) {
        self.wrapped = wrapped
        self.beforeFirstPull = Locked(beforeFirstPull)
        self.beforeEachCreate = beforeEachCreate
    }

    package var kind: RuntimeKind { wrapped.kind }
    package func count(_ call: String) -> Int { counts.withLock { $0[call, default: 0] } }
    /// Every reference asked for, in order.
    package var pulled: [String] { pulledReferences.current }
    private func note(_ call: String) { counts.withLock { $0[call, default: 0] += 1 } }

    package func ping() async throws { note("ping"); try await wrapped.ping() }
    package func version() async throws -> RuntimeVersion { note("version"); return try await wrapped.version() }
    package func imageExists(_ reference: ImageReference) async throws -> Bool {
        note("imageExists")
        return try await wrapped.imageExists(reference)
    }
    package func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        note("inspectImage")
        return try await wrapped.inspectImage(reference)
    }
    package func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
        note("pull")
        pulledReferences.withLock { $0.append(reference.description) }
        let hook = beforeFirstPull.withLock { hook in
            defer { hook = nil }
            return hook
        }
        guard let hook else { return wrapped.pullImage(reference) }
        let wrapped = self.wrapped
        return AsyncThrowingStream { continuation in
            let task = Task {
                await hook()
                do {
                    for try await event in wrapped.pullImage(reference) { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
    package func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        note("tag")
        try await wrapped.tagImage(source, as: target)
    }
    package func removeImage(_ reference: ImageReference, force: Bool) async throws {
        note("removeImage")
        try await wrapped.removeImage(reference, force: force)
    }
    package func createContainer(_ spec: ContainerSpec) async throws -> String {
        note("create")
        if let beforeEachCreate { try await beforeEachCreate() }
        return try await wrapped.createContainer(spec)
    }
    package func startContainer(_ id: String) async throws { note("start"); try await wrapped.startContainer(id) }
    package func stopContainer(_ id: String, timeout: Duration) async throws { note("stop"); try await wrapped.stopContainer(id, timeout: timeout) }
    package func removeContainer(_ id: String, force: Bool) async throws { note("removeContainer"); try await wrapped.removeContainer(id, force: force) }
    package func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        note("list")
        return try await wrapped.listContainers(labels: labels)
    }
    package func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        note("inspectContainer")
        return try await wrapped.inspectContainer(id)
    }
}
