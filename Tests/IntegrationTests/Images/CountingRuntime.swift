import ContainerRuntimes
import OCIDistribution
import OublietteCore
import Synchronization

/// Forwards to a real runtime and counts the calls, so tests can assert "no pull happened"
/// against the real engine.
final class CountingRuntime: ContainerRuntime {
    let wrapped: any ContainerRuntime
    private let counts = Mutex<[String: Int]>([:])

    init(_ wrapped: any ContainerRuntime) {
        self.wrapped = wrapped
    }

    var kind: RuntimeKind { wrapped.kind }
    func count(_ call: String) -> Int { counts.withLock { $0[call, default: 0] } }
    private func note(_ call: String) { counts.withLock { $0[call, default: 0] += 1 } }

    func ping() async throws { note("ping"); try await wrapped.ping() }
    func version() async throws -> RuntimeVersion { note("version"); return try await wrapped.version() }
    func imageExists(_ reference: ImageReference) async throws -> Bool {
        note("imageExists")
        return try await wrapped.imageExists(reference)
    }
    func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        note("inspectImage")
        return try await wrapped.inspectImage(reference)
    }
    func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
        note("pull")
        return wrapped.pullImage(reference)
    }
    func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        note("tag")
        try await wrapped.tagImage(source, as: target)
    }
    func removeImage(_ reference: ImageReference, force: Bool) async throws {
        note("removeImage")
        try await wrapped.removeImage(reference, force: force)
    }
    func createContainer(_ spec: ContainerSpec) async throws -> String { note("create"); return try await wrapped.createContainer(spec) }
    func startContainer(_ id: String) async throws { note("start"); try await wrapped.startContainer(id) }
    func stopContainer(_ id: String, timeout: Duration) async throws { note("stop"); try await wrapped.stopContainer(id, timeout: timeout) }
    func removeContainer(_ id: String, force: Bool) async throws { note("removeContainer"); try await wrapped.removeContainer(id, force: force) }
    func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        note("list")
        return try await wrapped.listContainers(labels: labels)
    }
    func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        note("inspectContainer")
        return try await wrapped.inspectContainer(id)
    }
}
