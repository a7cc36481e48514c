import ContainerRuntimes
import Foundation
import ImageSigning
import OCIDistribution
import OublietteCore
import Synchronization
import SystemSupport
import TestSupport
import Testing

/// Under `verify: enforce`, what the engine holds under the configured name is what was
/// verified: real dockerd, real registry, a tag moved between the check and the pull.
@Suite("Verified is what runs (real dockerd and registry)", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized, .timeLimit(.minutes(5)))
struct VerifiedIsWhatRunsTests {
    let bed = TestBed.required

    /// A manager for `primary/path:1` with `mirror` as its registry mirror, enforcing `key`,
    /// over the bed's dockerd.
    func mirroredEnforcingManager(primary: String, path: String, mirror: String, key: SigningKey, label: String) throws -> (ImageManager, DockerRuntime) {
        let home = try bed.makeTemporaryDirectory(label)
        let publicKey = home.appendingPathComponent("cosign.pub")
        try Data(key.verificationKey.pem.utf8).write(to: publicKey)
        let config = try OublietteConfig(
            parsing: #"""
                { "containers": { "custom": "\#(primary)/\#(path):1" }, "registry_mirrors": ["\#(mirror)"],
                  "verify": { "mode": "enforce", "keys": ["\#(publicKey.path)"] } }
                """#,
            file: home.appendingPathComponent("oubliette.jsonc").path, catalogue: .shipped, devMode: false)
        let registries = RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [primary, mirror])
        let docker = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        let manager = ImageManager(
            config: config, runtime: docker, provenance: ProvenanceStore(dataDirectory: home.appendingPathComponent("data")),
            retryPolicy: .none, signatureCheck: ImageSignatureCheck(config: config, registries: registries, warn: { _ in }))
        return (manager, docker)
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
        let client = RegistryClient(
            registry: reference.registry, credentials: ChainedCredentials([]), security: .forRegistry(reference.registry, insecureRegistries: []))
        _ = try await ImageSigner(key: key, client: client).sign(reference.withDigest(try Digest(digest)))
    }

    @Test("a tag moved between verify and pull: the engine pulls the verified digest, and only that gets the name")
    func tagMovedBetweenVerifyAndPull() async throws {
        let image = "\(bed.registry)/what-runs/moved-\(UUID().uuidString.prefix(8).lowercased()):1"
        let reference = try ImageReference(parsing: image)
        let key = SigningKey.generate()
        let signed = try await TestImages.push(image, version: "v1.0.12", marker: "signed", bed: bed)
        try await sign(image, digest: signed, key: key)
        let bed = self.bed
        let moved = Mutex<String?>(nil)
        let docker = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        let runtime = CountingRuntime(docker) {
            // The publisher (or an attacker) pushes unsigned content to the tag after the check.
            let pushed = try? await TestImages.push(image, version: "v1.0.12", marker: "unsigned", bed: bed)
            moved.withLock { $0 = pushed }
        }
        let (manager, _, _) = try enforcingManager(image: image, key: key, runtime: runtime)

        let ensured = try await manager.ensureImage(type: "custom")
        #expect(ensured.pulled)
        let movedDigest = try #require(moved.withLock { $0 })
        #expect(movedDigest != signed, "the tag really moved")
        #expect(runtime.pulled == ["\(reference.registry)/\(reference.repository)@\(signed)"], "pulled by digest")
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
        let unsigned = try await TestImages.push(image, version: "v1.0.12", marker: "unsigned", bed: bed)
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

    @Test("a name re-tagged to other content after the check: create and refresh still run the verified image (by its ID); list shows the name")
    func containersRunTheVerifiedImageAfterARetag() async throws {
        let unique = UUID().uuidString.prefix(8).lowercased()
        let image = "\(bed.registry)/what-runs/retag-\(unique):1"
        let reference = try ImageReference(parsing: image)
        let key = SigningKey.generate()
        let signed = try await TestImages.push(image, version: "v1.0.12", marker: "signed", bed: bed)
        try await sign(image, digest: signed, key: key)
        // Other content, already in the engine under another name.
        let otherImage = "\(bed.registry)/what-runs/other-\(unique):1"
        let other = try ImageReference(parsing: otherImage)
        try await TestImages.push(otherImage, version: "v1.0.12", marker: "other", bed: bed)
        let docker = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        try await docker.pull(other)
        let otherID = try await docker.inspectImage(other).id
        // Someone re-tags the configured name after oubliette checked it, just before each create.
        let runtime = CountingRuntime(docker, beforeEachCreate: { try await docker.tagImage(other, as: reference) })
        let (manager, config, home) = try enforcingManager(image: image, key: key, runtime: runtime)
        let data = home.appendingPathComponent("data")
        let lifecycle = ContainerLifecycle(
            config: config, runtime: runtime, store: ProjectStore(dataDirectory: data), images: manager,
            settings: ContainerSettings(network: .none, stopTimeout: .seconds(2), owner: data.path))
        let projects = ProjectManager(lifecycle: lifecycle)
        let created = try await projects.create(name: "retag-\(unique)", type: "custom")

        let verifiedID = try await docker.inspectImage(ImageReference(registry: reference.registry, repository: reference.repository, digest: Digest(signed)))
            .id
        #expect(verifiedID != otherID)
        #expect(try await docker.inspectImage(reference).id == otherID, "the name really points at the other image")
        let container = try #require(try await lifecycle.containers().first { $0.projectID == created.id })
        #expect(try await runningImage(container.containerID) == verifiedID, "create ran the verified image, not what the name points at")
        #expect(container.image == reference.description, "container list shows the configured name")

        let refreshed = try await lifecycle.refresh(projectID: created.id)
        #expect(try await docker.inspectImage(reference).id == otherID, "re-tagged again before the refresh's create")
        #expect(try await runningImage(refreshed.newContainerID) == verifiedID, "refresh ran the verified image, not what the name points at")
        _ = try await projects.delete(id: created.id)
    }

    /// The image ID the engine created the container from (`docker inspect` `.Image`).
    func runningImage(_ container: String) async throws -> String {
        try await ToolRunner.run("docker", ["inspect", "--format", "{{.Image}}", container]).trimmedStdout
    }

    /// A mirror with other content under the same `repository:tag` while the primary refuses
    /// the engine (but answers the signature check). `lying`: the mirror even answers the
    /// verified digest's URL with its own manifest.
    @Test(
        "enforce: a mirror serving other content under the same name is refused, leaves nothing in the engine, and is not used next time",
        arguments: [false, true])
    func mirrorWithOtherContentIsRefused(lying: Bool) async throws {
        let unique = UUID().uuidString.prefix(8).lowercased()
        let path = "what-runs/mirrored-\(unique)"
        let key = SigningKey.generate()
        let signed = try await TestImages.push("\(bed.registry)/\(path):1", version: "v1.0.12", marker: "signed", bed: bed)
        let otherDigest = try await TestImages.push("\(bed.registry)/\(path)-mirror:1", version: "v1.0.12", marker: "mirror", bed: bed)
        // The primary answers oubliette's registry client but refuses dockerd (its User-Agent is docker/…).
        let primary = try await RecordingProxy.start(upstream: bed.registry) { _, uri, agent in
            agent.hasPrefix("docker/")
                ? .answer(status: 404, body: #"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"primary down for the engine"}]}"#) : .forward(uri)
        }
        // The mirror serves `path-mirror` as `path`.
        let mirror = try await RecordingProxy.start(upstream: bed.registry) { _, uri, _ in
            var target = uri.replacingOccurrences(of: "/v2/\(path)/", with: "/v2/\(path)-mirror/")
            if lying { target = target.replacingOccurrences(of: "/manifests/\(signed)", with: "/manifests/1") }
            return .forward(target)
        }
        try await withFixture((primary, mirror), tearDown: { for proxy in [$0.0, $0.1] { await proxy.shutdown() } }) { primary, mirror async throws in
            // Signed as the configured name (the signature names the repository it was made for).
            try await sign("\(primary.address)/\(path):1", digest: signed, key: key)

            let image = "\(primary.address)/\(path):1"
            let reference = try ImageReference(parsing: image)
            let (manager, docker) = try mirroredEnforcingManager(
                primary: primary.address, path: path, mirror: mirror.address, key: key, label: "mirror-other")

            for attempt in 1...2 {
                let mark = mirror.log.count
                do {
                    _ = try await manager.ensureImage(type: "custom")
                    Issue.record("attempt \(attempt): the mirror's image was accepted")
                } catch {
                    let text = describe(error)
                    // Pulled as name@verified-digest, the mirror has no such manifest (or dockerd
                    // refuses a manifest whose digest is not the one asked for): every attempt fails.
                    #expect(error is ImageManagerError, "\(text)")
                    #expect(!text.contains("again"), "no advice to retry what cannot succeed: \(text)")
                    #expect(text.contains(mirror.address), "the error names the mirror tried: \(text)")
                }
                #expect(mirror.log(since: mark).contains { $0.path.hasSuffix("/manifests/\(signed)") }, "the mirror was asked for the verified digest only")
                #expect(!mirror.log(since: mark).contains { $0.path.hasSuffix("/manifests/1") })
                // Nothing under the configured name, the mirror's name, either digest, or the mirror's repository.
                #expect(try await !docker.imageExists(reference))
                for name in ["\(mirror.address)/\(path):1", "\(mirror.address)/\(path)@\(signed)", "\(mirror.address)/\(path)@\(otherDigest)"] {
                    #expect(try await !docker.imageExists(ImageReference(parsing: name)), "\(name) is in the engine")
                }
                let listed = try await ToolRunner.run("docker", ["images", "--digests", "--format", "{{.Repository}}:{{.Tag}}@{{.Digest}}"]).trimmedStdout
                #expect(!listed.contains("mirrored-\(unique)"), "\(listed)")
            }
        }
    }

    @Test("enforce: an image the mirror served with the verified digest is used again without a pull, not refused as unverified")
    func mirroredVerifiedImageIsReused() async throws {
        let unique = UUID().uuidString.prefix(8).lowercased()
        let path = "what-runs/mirror-ok-\(unique)"
        let key = SigningKey.generate()
        let signed = try await TestImages.push("\(bed.registry)/\(path):1", version: "v1.0.12", marker: "signed", bed: bed)
        let primary = try await RecordingProxy.start(upstream: bed.registry) { _, uri, agent in
            agent.hasPrefix("docker/") ? .answer(status: 404, body: #"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"down"}]}"#) : .forward(uri)
        }
        let mirror = try await RecordingProxy.start(upstream: bed.registry)
        try await withFixture((primary, mirror), tearDown: { for proxy in [$0.0, $0.1] { await proxy.shutdown() } }) { primary, mirror async throws in
            try await sign("\(primary.address)/\(path):1", digest: signed, key: key)
            let (manager, _) = try mirroredEnforcingManager(primary: primary.address, path: path, mirror: mirror.address, key: key, label: "mirror-ok")

            let first = try await manager.ensureImage(type: "custom")
            #expect(first.pulled)
            #expect(first.image.repoDigests.contains("\(mirror.address)/\(path)@\(signed)"))
            // The engine knows it by the mirror's name@digest only; the record of what was verified vouches for it.
            let again = try await manager.ensureImage(type: "custom")
            #expect(!again.pulled)
            #expect(again.image.id == first.image.id)
        }
    }
}
