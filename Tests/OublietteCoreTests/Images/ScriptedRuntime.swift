import Foundation

@testable import ContainerRuntimes
@testable import OCIDistribution
@testable import OublietteCore

/// An in-process runtime for fault injection: images "exist" once pulled, pulls can be held
/// at a gate or made to fail, and every call is counted. The real engine is covered by the
/// integration tests; this one only makes races and failures repeatable.
actor ScriptedRuntime: ContainerRuntime {
    nonisolated let kind: RuntimeKind = .docker
    private(set) var present: Set<ImageReference>
    private(set) var calls: [String] = []
    /// When set, pulls wait until it opens: tests decide when a pull finishes, no sleeps.
    var pullGate: Gate?
    /// When set, container creation waits until it opens (to hold a replacement mid-way).
    var createGate: Gate?
    /// Containers "in the engine": created by createContainer, listed by label.
    private(set) var containers: [RuntimeContainer] = []
    private var nextContainer = 1
    var pullError: RuntimeError?
    /// Registries whose pulls fail (as if unreachable).
    var unreachableRegistries: Set<String> = []
    private(set) var pulledReferences: [ImageReference] = []

    init(present: Set<ImageReference> = []) {
        self.present = present
    }

    func setPullError(_ error: RuntimeError?) { pullError = error }
    func setPullGate(_ gate: Gate?) { pullGate = gate }
    func setCreateGate(_ gate: Gate?) { createGate = gate }
    func addContainer(_ container: RuntimeContainer) { containers.append(container) }
    func setUnreachable(_ registries: Set<String>) { unreachableRegistries = registries }
    func count(_ name: String) -> Int { calls.filter { $0 == name }.count }

    func ping() async throws { calls.append("ping") }
    func version() async throws -> RuntimeVersion {
        calls.append("version")
        return RuntimeVersion(kind: .docker, engineVersion: "scripted")
    }
    func imageExists(_ reference: ImageReference) async throws -> Bool {
        calls.append("imageExists")
        return present.contains(reference)
    }
    func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        calls.append("inspectImage")
        guard present.contains(reference) else { throw RuntimeError.imageNotFound(image: reference.description, detail: "scripted") }
        return RuntimeImage(
            id: "sha256:\(String(repeating: "c", count: 64))", repoTags: [reference.description],
            repoDigests: ["\(reference.name)@sha256:\(String(repeating: "d", count: 64))"],
            labels: ["org.opencontainers.image.version": "1.2.3"])
    }
    nonisolated func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.performPull(reference)
                    continuation.yield(PullEvent(layer: "abc", status: "Pull complete"))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
    private func performPull(_ reference: ImageReference) async throws {
        calls.append("pull")
        if let pullGate { await pullGate.wait() }
        if let pullError { throw pullError }
        if unreachableRegistries.contains(reference.registry) {
            throw RuntimeError.pullFailed(image: reference.description, message: "dial tcp \(reference.registry): connection refused")
        }
        pulledReferences.append(reference)
        present.insert(reference)
    }
    func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        calls.append("tag")
        if present.contains(source) { present.insert(target) }
    }
    func removeImage(_ reference: ImageReference, force: Bool) async throws { calls.append("removeImage") }
    func createContainer(_ spec: ContainerSpec) async throws -> String {
        calls.append("create")
        if let createGate { await createGate.wait() }
        let id = "c\(nextContainer)"
        nextContainer += 1
        containers.append(
            RuntimeContainer(
                id: id, name: spec.name ?? id, image: spec.image.description, state: .created,
                status: "Created", labels: spec.labels))
        return id
    }
    func startContainer(_ id: String) async throws {
        calls.append("start")
        if let index = containers.firstIndex(where: { $0.id == id }) { containers[index].state = .running }
    }
    func stopContainer(_ id: String, timeout: Duration) async throws { calls.append("stop") }
    func removeContainer(_ id: String, force: Bool) async throws {
        calls.append("removeContainer")
        guard containers.contains(where: { $0.id == id }) else { throw RuntimeError.containerNotFound(container: id) }
        containers.removeAll { $0.id == id }
    }
    func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        calls.append("list")
        return containers.filter { container in labels.allSatisfy { container.labels[$0.key] == $0.value } }
    }
    func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        calls.append("inspectContainer")
        throw RuntimeError.containerNotFound(container: id)
    }
}

/// A one-shot gate: `wait()` suspends until `open()`.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

/// Polls `condition` until it holds (at most `limit`), for states another task reaches.
/// A liveness wait: the limit only matters when the condition never comes, so it is long
/// enough for a suite that starts every test at once on two shared cores.
func eventually(within limit: Duration = .seconds(60), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return await condition()
}

/// Records backoff delays instead of sleeping.
actor RecordingSleeper: Sleeper {
    private(set) var slept: [Duration] = []
    func sleep(for duration: Duration) async throws { slept.append(duration) }
}
