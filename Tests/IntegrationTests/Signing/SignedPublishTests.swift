import Foundation
import ImageBuilders
import ImageCatalogue
import ImageSigning
import OCIDistribution
import OublietteCore
import ReleaseKit
import Testing

/// `publish --sign` end to end: buildah, the busybox catalogue, the bed's registry; then the
/// signatures and provenance checked by us and by the independent Python verifier.
@Suite("Signed publish (end to end)", .serialized)
struct SignedPublishTests {
    @Test(
        "publish signs base and dev and attaches SLSA provenance naming the parent; republishing adds no duplicates",
        .enabled(if: SigningRegistryTests.enabled, SigningRegistryTests.reason), .timeLimit(.minutes(10)))
    func signedPublish() async throws {
        let bed = TestBed.required
        let directory = try bed.makeTemporaryDirectory("signed-publish")
        try await ReleasePublishTests.makeRepository(in: directory)
        try await ReleasePublishTests.checkout("v1.1.0", in: directory)
        let namespace = "signed-\(UUID().uuidString.prefix(6).lowercased())"
        let key = SigningKey.generate()
        // Outside the git repository: publish refuses a dirty working tree.
        let pub = try bed.makeTemporaryDirectory("signed-publish-key").appendingPathComponent("cosign.pub")
        try Data(key.verificationKey.pem.utf8).write(to: pub)
        let inputs = ReleaseInputs(
            repositoryPath: directory.path, catalogueFile: directory.appendingPathComponent("images/catalogue.jsonc").path,
            registry: "\(bed.registry)/\(namespace)", buildArguments: ["BUSYBOX_IMAGE=\(bed.busyboxImage)"])
        let plan = try inputs.plan()
        // Its own buildah storage: builds name images locally by tag (oubliette-base:v1.1.0), and
        // ReleasePublishTests builds the same names at the same time in the bed's storage.
        let storage = try bed.makeTemporaryDirectory("signed-publish-buildah")
        let builder = BuildahBuilder(options: .init(root: "\(storage.path)/root", runRoot: "\(storage.path)/runroot", tlsVerify: false))
        let signer = NativeSigner(
            key: key, keyLabel: "test.key", registries: RegistryClientFactory(credentials: ChainedCredentials([])),
            provenance: ReleaseProvenance(environment: [
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42",
                "GITHUB_WORKFLOW_REF": "o/r/.github/workflows/release.yml@refs/tags/v1.1.0",
            ]))
        let publisher = ReleasePublisher(
            builder: builder, signer: signer, workDirectory: try bed.makeTemporaryDirectory("layouts"),
            registries: RegistryClientFactory(credentials: OublietteCredentials.standard()))
        let first = try await publisher.publish(plan)
        #expect(first.images.allSatisfy { if case .signed = $0.signature { true } else { false } })

        let client = RegistryClient(registry: bed.registry, credentials: ChainedCredentials([]), security: .forRegistry(bed.registry, insecureRegistries: []))
        let base = try #require(first.images.first { $0.type == "base" })
        let dev = try #require(first.images.first { $0.type == "dev" })
        for image in [base, dev] {
            _ = try await SignatureVerifier(keys: [key.verificationKey]).verify(
                repository: image.reference.repositoryName, digest: image.digest, client: client)
            let independent = try await SigningRegistryTests.spec(["verify", pub.path, bed.registry, image.reference.repository, image.digest.description])
            #expect(independent.status == 0, "\(image.type): \(independent.stdout)\(independent.stderr)")
        }
        let provenance = try await AttestationVerifier(keys: [key.verificationKey]).verify(
            repository: dev.reference.repositoryName, digest: dev.digest, client: client, types: [SLSAProvenance.predicateType])
        let verified = try #require(provenance.first)
        let statement = try #require(try JSONSerialization.jsonObject(with: verified.statement) as? [String: Any])
        let predicate = try #require(statement["predicate"] as? [String: Any])
        let definition = try #require(predicate["buildDefinition"] as? [String: Any])
        let external = try #require(definition["externalParameters"] as? [String: String])
        #expect(external["catalogueEntry"] == "dev")
        #expect(external["gitTag"] == "v1.1.0")
        #expect(external["ciRun"] == "https://github.com/o/r/actions/runs/42/attempts/1")
        // The index's provenance names base's index; each platform manifest's names base's
        // manifest of the same platform, and the platform.
        let dependencies = try #require(definition["resolvedDependencies"] as? [[String: Any]])
        #expect(dependencies.contains { ($0["digest"] as? [String: String])?["sha256"] == base.digest.encoded }, "\(dependencies)")
        for platform in dev.platforms {
            let attested = try await AttestationVerifier(keys: [key.verificationKey]).verify(
                repository: dev.reference.repositoryName, digest: platform.digest, client: client, types: [SLSAProvenance.predicateType])
            let first = try #require(attested.first)
            let object = try #require(try JSONSerialization.jsonObject(with: first.statement) as? [String: Any])
            let build = try #require((object["predicate"] as? [String: Any])?["buildDefinition"] as? [String: Any])
            #expect((build["internalParameters"] as? [String: String])?["platform"] == platform.platform.description)
            let parent = try #require(base.platforms.first { $0.platform == platform.platform })
            #expect(platform.parentDigest == parent.digest)
            let needs = try #require(build["resolvedDependencies"] as? [[String: Any]])
            #expect(needs.contains { ($0["digest"] as? [String: String])?["sha256"] == parent.digest.encoded }, "\(needs)")
        }
        #expect(dependencies.contains { ($0["digest"] as? [String: String])?["gitCommit"] == plan.version.revision })
        let independent = try await SigningRegistryTests.spec([
            "verify-attestation", pub.path, bed.registry, dev.reference.repository, dev.digest.description, SLSAProvenance.predicateType,
        ])
        #expect(independent.status == 0, "\(independent.stdout)\(independent.stderr)")

        // Republish: nothing rebuilt, and still one signature and one provenance per image.
        let again = try await publisher.publish(plan)
        #expect(again.images.map(\.reused) == [true, true])
        for image in [base, dev] {
            let signatures = try await client.manifest(repository: image.reference.repositoryName, reference: .tag(CosignTag.signature(for: image.digest)))
                .imageManifest()
            #expect(signatures.layers.count == 1, "\(image.type): \(signatures.layers.count) signatures")
            let attestations = try await client.manifest(repository: image.reference.repositoryName, reference: .tag(CosignTag.attestation(for: image.digest)))
                .imageManifest()
            #expect(attestations.layers.count == 1, "\(image.type): \(attestations.layers.count) attestations")
        }
    }
}
