import ContainerRuntimes
import Foundation
import OCIDistribution
import OublietteCore
import Testing

/// DockerRuntime against the test bed's real dockerd 20.10 and registry.
@Suite("DockerRuntime against the test bed's dockerd", .serialized)
struct DockerRuntimeIntegrationTests {
    private func runtime() throws -> DockerRuntime {
        try DockerRuntime(endpoint: DockerEndpoint(parsing: TestBed.required.dockerHost))
    }

    /// A unique single-layer image (2 MB of random bytes, so dockerd reports download
    /// progress) pushed to the bed's registry under a fresh repository name.
    private func pushUniqueImage(_ label: String) async throws -> ImageReference {
        let bed = TestBed.required
        let work = try bed.makeTemporaryDirectory(label)
        let token = UUID().uuidString.prefix(8).lowercased()
        let layout = work.appendingPathComponent("layout").path
        let payload = work.appendingPathComponent("payload")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<(2 * 1024 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: payload)
        try await ToolRunner.run("umoci", ["init", "--layout", layout])
        try await ToolRunner.run("umoci", ["new", "--image", "\(layout):fixture"])
        try await ToolRunner.run("umoci", ["config", "--image", "\(layout):fixture", "--config.label", "org.example.token=\(token)"])
        try await ToolRunner.run("umoci", ["insert", "--image", "\(layout):fixture", payload.path, "/payload"])
        let reference = "\(bed.registry)/runtime-tests/\(label)-\(token):1"
        try await ToolRunner.run("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout):fixture", "docker://\(reference)"])
        return try ImageReference(parsing: reference)
    }

    private func registryDigest(_ reference: ImageReference) async throws -> Digest {
        let result = try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "docker://\(reference)"])
        struct Inspect: Decodable { var Digest: String }
        return try Digest(JSONDecoder().decode(Inspect.self, from: result.stdoutData).Digest)
    }

    @Test(
        "ping answers and the API version is negotiated down to dockerd's 1.41",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func pingAndVersion() async throws {
        let docker = try runtime()
        try await docker.ping()
        let version = try await docker.version()
        #expect(version.kind == .docker)
        #expect(version.apiVersion == "1.41")
        #expect(version.engineVersion.hasPrefix("20.10"))
        #expect(try await docker.negotiatedAPIVersion() == DockerAPIVersion(major: 1, minor: 41))
    }

    @Test(
        "pull streams per-layer progress; the pulled image's repo digest is the registry's; tag and remove",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func pullInspectTagRemove() async throws {
        let docker = try runtime()
        let reference = try await pushUniqueImage("pull")
        #expect(try await !docker.imageExists(reference))

        let events = EventLog()
        try await docker.pull(reference) { events.append($0) }
        let seen = events.all
        let completedLayers = seen.filter { $0.status == "Pull complete" }.compactMap(\.layer)
        #expect(completedLayers.count == 1, "expected one completed layer, got \(seen)")
        let progress = seen.filter { $0.total != nil }
        #expect(!progress.isEmpty, "expected byte progress for a 2 MB layer, got \(seen)")
        #expect(progress.allSatisfy { ($0.current ?? 0) <= ($0.total ?? 0) })
        #expect(seen.last?.status.hasPrefix("Status: Downloaded newer image") == true)

        #expect(try await docker.imageExists(reference))
        let image = try await docker.inspectImage(reference)
        let expectedDigest = try await registryDigest(reference)
        #expect(image.repoDigest(for: reference) == expectedDigest)
        #expect(image.repoTags.contains(reference.description))
        #expect(image.labels["org.example.token"] != nil)
        #expect(image.id.hasPrefix("sha256:"))
        #expect(image.created != nil)

        let tagged = try reference.withTag("tagged")
        try await docker.tagImage(reference, as: tagged)
        #expect(try await docker.imageExists(tagged))
        #expect(try await docker.inspectImage(tagged).id == image.id)

        try await docker.removeImage(tagged, force: false)
        #expect(try await !docker.imageExists(tagged))
        #expect(try await docker.imageExists(reference))
        try await docker.removeImage(reference, force: false)
        #expect(try await !docker.imageExists(reference))
        await #expect(throws: RuntimeError.self) { try await docker.removeImage(reference, force: false) }
    }

    @Test(
        "create, start, list by label, inspect, stop with a timeout, remove",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func containerLifecycle() async throws {
        let docker = try runtime()
        let busybox = try ImageReference(parsing: TestBed.required.busyboxImage)
        try await docker.pull(busybox)

        let run = UUID().uuidString.prefix(8).lowercased()
        let name = "oubliette-runtime-\(run)"
        let labels = ["org.example.oubliette.run": String(run), "org.example.oubliette.role": "lifecycle"]
        let spec = ContainerSpec(
            name: name, image: busybox, labels: labels, environment: ["GREETING": "hello"],
            command: ["sleep", "300"], network: .none
        )
        let id = try await docker.createContainer(spec)
        do {
            #expect(try await docker.inspectContainer(id).state == .created)
            try await docker.startContainer(id)

            let listed = try await docker.listContainers(labels: ["org.example.oubliette.run": String(run)])
            #expect(listed.map(\.id) == [id])
            let summary = try #require(listed.first)
            #expect(summary.name == name)
            #expect(summary.state == .running)
            #expect(summary.status.hasPrefix("Up"))
            // Docker merges the image's labels into the container's.
            #expect(labels.allSatisfy { summary.labels[$0.key] == $0.value })
            #expect(summary.labels["org.opencontainers.image.title"] == "oubliette-testbed-busybox")
            #expect(summary.image == busybox.description)
            #expect(try await docker.listContainers(labels: ["org.example.oubliette.run": "\(run)-other"]).isEmpty)

            let inspected = try await docker.inspectContainer(name)
            #expect(inspected.id == id)
            #expect(inspected.name == name)
            #expect(inspected.state == .running)
            #expect(inspected.labels == summary.labels)
            #expect(inspected.created != nil)

            // A second container with the same name is a conflict naming it.
            let conflict = await #expect(throws: RuntimeError.self) { try await docker.createContainer(spec) }
            #expect(conflict?.description.contains(name) == true)
            // Removing a running container without force is refused.
            await #expect(throws: RuntimeError.self) { try await docker.removeContainer(id, force: false) }

            // sleep runs as PID 1 and ignores SIGTERM, so stop waits out the timeout and kills it.
            let clock = ContinuousClock()
            let elapsed = try await clock.measure { try await docker.stopContainer(id, timeout: .seconds(1)) }
            #expect(elapsed < .seconds(20))
            let stopped = try await docker.inspectContainer(id)
            #expect(stopped.state == .exited)
            #expect(stopped.status == "exited (137)")

            try await docker.removeContainer(id, force: false)
        } catch {
            try? await docker.removeContainer(id, force: true)
            throw error
        }
        await #expect(throws: RuntimeError.containerNotFound(container: id)) { try await docker.inspectContainer(id) }
        #expect(try await docker.listContainers(labels: ["org.example.oubliette.run": String(run)]).isEmpty)
    }

    @Test(
        "pulling a missing image fails with an error naming the image",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func pullMissingImage() async throws {
        let docker = try runtime()
        let missing = try ImageReference(parsing: "\(TestBed.required.registry)/runtime-tests/does-not-exist-\(UUID().uuidString.prefix(8).lowercased()):1")
        let error = await #expect(throws: RuntimeError.self) { try await docker.pull(missing) }
        guard case let .pullFailed(image, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(image == missing.description)
        #expect(error?.description.contains(missing.description) == true)
    }

    @Test(
        "a bad socket path says Docker is not running there",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func badSocket() async throws {
        let path = try TestBed.required.makeTemporaryDirectory("no-docker").appendingPathComponent("docker.sock").path
        let docker = DockerRuntime(endpoint: .unix(path: path))
        let clock = ContinuousClock()
        var caught: RuntimeError?
        let elapsed = await clock.measure {
            caught = await #expect(throws: RuntimeError.self) { try await docker.version() }
        }
        #expect(caught?.description.hasPrefix("Docker is not running at unix://\(path)") == true)
        #expect(elapsed < .seconds(10), "reporting an absent daemon must not wait for retries")
    }
}

/// Collects pull events from the progress callback.
private final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [PullEvent] = []

    func append(_ event: PullEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    var all: [PullEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }
}
