import Foundation
import ImageSigning
import OCIDistribution
import OublietteCore
import Synchronization
import Testing

/// Under `verify: enforce`, what the engine holds under the configured name is what was
/// verified: real dockerd, real registry, a tag moved between the check and the pull.
@Suite("Verified is what runs (real dockerd and registry)", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized, .timeLimit(.minutes(5)))
struct VerifiedIsWhatRunsTests {
    let bed = TestBed.required

    /// Forwards to dockerd; runs `beforeFirstPull` once, just before the engine pulls.
    final class TagMovingRuntime: ContainerRuntime {
        let wrapped: any ContainerRuntime
        let beforeFirstPull: Mutex<(@Sendable () -> Void)?>
        let pulled = Mutex<[String]>([])

        init(_ wrapped: any ContainerRuntime, beforeFirstPull: @escaping @Sendable () -> Void) {
            self.wrapped = wrapped
            self.beforeFirstPull = Mutex(beforeFirstPull)
        }

        var kind: RuntimeKind { wrapped.kind }
        func ping() async throws { try await wrapped.ping() }
        func version() async throws -> RuntimeVersion { try await wrapped.version() }
        func imageExists(_ reference: ImageReference) async throws -> Bool { try await wrapped.imageExists(reference) }
        func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage { try await wrapped.inspectImage(reference) }
        func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
            beforeFirstPull.withLock { hook in
                hook?()
                hook = nil
            }
            pulled.withLock { $0.append(reference.description) }
            return wrapped.pullImage(reference)
        }
        func tagImage(_ source: ImageReference, as target: ImageReference) async throws { try await wrapped.tagImage(source, as: target) }
        func removeImage(_ reference: ImageReference, force: Bool) async throws { try await wrapped.removeImage(reference, force: force) }
        func createContainer(_ spec: ContainerSpec) async throws -> String { try await wrapped.createContainer(spec) }
        func startContainer(_ id: String) async throws { try await wrapped.startContainer(id) }
        func stopContainer(_ id: String, timeout: Duration) async throws { try await wrapped.stopContainer(id, timeout: timeout) }
        func removeContainer(_ id: String, force: Bool) async throws { try await wrapped.removeContainer(id, force: force) }
        func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] { try await wrapped.listContainers(labels: labels) }
        func inspectContainer(_ id: String) async throws -> RuntimeContainer { try await wrapped.inspectContainer(id) }
    }

    func enforcingManager(image: String, key: SigningKey, runtime: any ContainerRuntime) throws -> (ImageManager, OublietteConfig, URL) {
        let home = try bed.makeTemporaryDirectory("what-runs")
        let publicKey = home.appendingPathComponent("cosign.pub")
        try Data(key.verificationKey.pem.utf8).write(to: publicKey)
        let config = try OublietteConfig(
            parsing: #"{ "containers": { "custom": "\#(image)" }, "verify": { "mode": "enforce", "keys": ["\#(publicKey.path)"] } }"#,
            file: home.appendingPathComponent("oubliette.jsonc").path, catalogue: .shipped, devMode: false)
        let registries = RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [bed.registry])
        let manager = ImageManager(
            config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: home.appendingPathComponent("data")),
            signatureCheck: ImageSignatureCheck(config: config, registries: registries, warn: { _ in }))
        return (manager, config, home)
    }

    func sign(_ image: String, digest: String, key: SigningKey) async throws {
        let reference = try ImageReference(parsing: image)
        let client = RegistryClient(registry: bed.registry, credentials: ChainedCredentials([]), security: .forRegistry(bed.registry, insecureRegistries: []))
        _ = try await ImageSigner(key: key, client: client).sign(reference.withDigest(try Digest(digest)))
    }

    @Test("a tag moved between verify and pull: the engine pulls the verified digest, and only that gets the name")
    func tagMovedBetweenVerifyAndPull() async throws {
        let image = "\(bed.registry)/what-runs/moved-\(UUID().uuidString.prefix(8).lowercased()):1"
        let reference = try ImageReference(parsing: image)
        let key = SigningKey.generate()
        let signed = try TestImages.push(image, version: "v1.0.12", marker: "signed", bed: bed)
        try await sign(image, digest: signed, key: key)
        let bed = self.bed
        let moved = Mutex<String?>(nil)
        let docker = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        let runtime = TagMovingRuntime(docker) {
            // The publisher (or an attacker) pushes unsigned content to the tag after the check.
            moved.withLock { $0 = try? TestImages.push(image, version: "v1.0.12", marker: "unsigned", bed: bed) }
        }
        let (manager, _, _) = try enforcingManager(image: image, key: key, runtime: runtime)

        let ensured = try await manager.ensureImage(type: "custom")
        #expect(ensured.pulled)
        let movedDigest = try #require(moved.withLock { $0 })
        #expect(movedDigest != signed, "the tag really moved")
        #expect(runtime.pulled.withLock { $0 } == ["\(reference.registry)/\(reference.repository)@\(signed)"], "pulled by digest")
        let inEngine = try await docker.inspectImage(reference)
        #expect(inEngine.labels["test.marker"] == "signed")
        #expect(inEngine.repoDigest(for: reference)?.description == signed)
        #expect(ensured.image.id == inEngine.id)
    }

    @Test("enforce: an image present without a verification record is checked before use and refused unless it verifies; status says so")
    func presentUnverifiedImageIsRefused() async throws {
        let image = "\(bed.registry)/what-runs/present-\(UUID().uuidString.prefix(8).lowercased()):1"
        let reference = try ImageReference(parsing: image)
        let key = SigningKey.generate()
        let unsigned = try TestImages.push(image, version: "v1.0.12", marker: "unsigned", bed: bed)
        let docker = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        // Put there by someone else (`docker pull`), not by oubliette.
        try await docker.pull(reference)
        let (manager, config, _) = try enforcingManager(image: image, key: key, runtime: docker)
        await #expect {
            _ = try await manager.ensureImage(type: "custom")
        } throws: { error in
            guard let refusal = error as? SignatureCheckError, case let .unverified(_, _, digest, _, _) = refusal else { return false }
            return digest == unsigned
        }
        let present = try await docker.inspectImage(reference)
        let shown = StatusReporter.provenanceText(
            image: present, record: nil, version: "v1.0.12", enforced: config.verify.effective(for: "custom").mode == .enforce, reference: reference)
        #expect(shown.contains("UNVERIFIED"), "\(shown)")

        // Once signed, the same present image verifies now and is used without a pull.
        try await sign(image, digest: unsigned, key: key)
        let ensured = try await manager.ensureImage(type: "custom")
        #expect(!ensured.pulled)
        #expect(ensured.image.id == present.id)
    }
}
