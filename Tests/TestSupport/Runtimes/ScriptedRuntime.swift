import ContainerRuntimes
import Foundation
import OCIDistribution

/// An in-process runtime for fault injection: images "exist" once pulled, pulls can be held
/// at a gate or made to fail, and every call is counted. The real engine is covered by the
/// integration tests; this one only makes races and failures repeatable.
package actor ScriptedRuntime: ContainerRuntime {
    package nonisolated let kind: RuntimeKind = .docker
    /// What `version()` reports as the engine's OS and architecture (nil: not reported).
    package nonisolated let os: String?
    package nonisolated let architecture: String?
    package private(set) var present: Set<ImageReference>
    package private(set) var calls: [String] = []
    /// When set, pulls wait until it opens: tests decide when a pull finishes, no sleeps.
    package var pullGate: Gate?
    /// When set, container creation waits until it opens (to hold a replacement mid-way).
    package var createGate: Gate?
    /// Containers "in the engine": created by createContainer, listed by label.
    package private(set) var containers: [RuntimeContainer] = []
    private var nextContainer = 1
    package var pullError: RuntimeError?
    /// Registries whose pulls fail (as if unreachable).
    package var unreachableRegistries: Set<String> = []
    package private(set) var pulledReferences: [ImageReference] = []

    package init(present: Set<ImageReference> = [], os: String? = nil, architecture: String? = nil, pullError: RuntimeError? = nil) {
        self.present = present
        self.pullError = pullError
        self.os = os
        self.architecture = architecture
    }

    package func setPullError(_ error: RuntimeError?) { pullError = error }
    package func setPullGate(_ gate: Gate?) { pullGate = gate }
    package func setCreateGate(_ gate: Gate?) { createGate = gate }
    package func addContainer(_ container: RuntimeContainer) { containers.append(container) }
    package func setUnreachable(_ registries: Set<String>) { unreachableRegistries = registries }
    package func count(_ name: String) -> Int { calls.filter { $0 == name }.count }

    package func ping() async throws { calls.append("ping") }
    package func version() async throws -> RuntimeVersion {
        calls.append("version")
        return RuntimeVersion(kind: .docker, engineVersion: "scripted", os: os, architecture: architecture)
    }
    package func imageExists(_ reference: ImageReference) async throws -> Bool {
        calls.append("imageExists")
        return present.contains(reference)
    }
    package func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        calls.append("inspectImage")
        guard present.contains(reference) else { throw RuntimeError.imageNotFound(image: reference.description, detail: "scripted") }
        return RuntimeImage(
            id: "sha256:\(String(repeating: "c", count: 64))", repoTags: [reference.description],
            repoDigests: ["\(reference.name)@sha256:\(String(repeating: "d", count: 64))"],
            labels: ["org.opencontainers.image.version": "1.2.3"])
    }
    package nonisolated func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
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
    package func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        calls.append("tag")
        if present.contains(source) { present.insert(target) }
    }
    package func removeImage(_ reference: ImageReference, force: Bool) async throws { calls.append("removeImage") }
    package func createContainer(_ spec: ContainerSpec) async throws -> String {
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
    package func startContainer(_ id: String) async throws {
        calls.append("start")
        if let index = containers.firstIndex(where: { $0.id == id }) { containers[index].state = .running }
    }
    package func stopContainer(_ id: String, timeout: Duration) async throws { calls.append("stop") }
    package func removeContainer(_ id: String, force: Bool) async throws {
        calls.append("removeContainer")
        guard containers.contains(where: { $0.id == id }) else { throw RuntimeError.containerNotFound(container: id) }
        containers.removeAll { $0.id == id }
    }
    package func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        calls.append("list")
        return containers.filter { container in labels.allSatisfy { container.labels[$0.key] == $0.value } }
    }
    package func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        calls.append("inspectContainer")
        throw RuntimeError.containerNotFound(container: id)
    }
}
