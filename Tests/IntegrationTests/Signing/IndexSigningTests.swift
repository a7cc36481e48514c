import Foundation
import ImageSigning
import OCIDistribution
import ReleaseKit
import Testing

/// Publishing signs an index and each platform manifest in it (what h-platforms' indexes
/// will need), with per-platform provenance.
@Suite("Signing an index (NativeSigner)")
struct IndexSigningTests {
    @Test(
        "an index is signed, each platform manifest too, each with provenance naming its platform",
        .enabled(if: SigningRegistryTests.enabled, SigningRegistryTests.reason))
    func signsIndexRecursively() async throws {
        let bed = TestBed.required
        let (client, repository, first, second) = try await SigningRegistryTests.images(bed, label: "index")
        var children: [Descriptor] = []
        for (digest, architecture) in [(first, "amd64"), (second, "arm64")] {
            let descriptor = try #require(try await client.manifestDescriptor(repository: repository, reference: .digest(digest)))
            children.append(
                Descriptor(mediaType: descriptor.mediaType, digest: digest, size: descriptor.size, platform: Platform(architecture: architecture, os: "linux")))
        }
        let index = try await client.putManifest(ImageIndex(manifests: children), repository: repository, reference: .tag("multi"))
        let key = SigningKey.generate()
        let signer = NativeSigner(
            key: key, keyLabel: "test", registries: RegistryClientFactory(credentials: ChainedCredentials([])), provenance: ReleaseProvenance(environment: [:]))
        let version = ReleaseVersion(
            version: try SemanticVersion(parsing: "1.0.0"), gitTag: "v1.0.0", isSnapshot: false, revision: String(repeating: "a", count: 40),
            created: Date(timeIntervalSince1970: 0), taggedVersions: [])
        let subject = SigningSubject(
            type: "base", reference: ImageReference(registry: bed.registry, repository: repository.value, tag: "multi", digest: index),
            tags: ["multi"], labels: [:], version: version, builder: "test")
        let status = try await signer.sign(subject)
        #expect(status.description.contains("3 signature(s) added"), "\(status)")
        let verifier = SignatureVerifier(keys: [key.verificationKey])
        for digest in [index, first, second] {
            _ = try await verifier.verify(repository: repository, digest: digest, client: client)
        }
        let arm = try await AttestationVerifier(keys: [key.verificationKey]).verify(
            repository: repository, digest: second, client: client, types: [SLSAProvenance.predicateType])
        #expect(String(decoding: try #require(arm.first).statement, as: UTF8.self).contains("\"platform\":\"linux/arm64\""))
        // Again: nothing added.
        #expect(try await signer.sign(subject).description.contains("0 signature(s) added, 3 already present"))
    }
}
