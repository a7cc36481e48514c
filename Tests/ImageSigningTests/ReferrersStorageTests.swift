import Foundation
import OCIDistribution
import TestSupport
import Testing

@testable import ImageSigning

/// The OCI 1.1 referrers copy of signatures and attestations. No registry on this machine
/// has the referrers API (distribution 2.8 answers 404), so this runs against the in-process
/// fake, which implements distribution-spec 1.1's referrers endpoint and `OCI-Subject`.
@Suite("Signatures and attestations as OCI 1.1 referrers")
struct ReferrersStorageTests {
    static let repository = "ns/app"
    /// A config-less image manifest standing in for the signed image.
    static let imageManifest = Array(
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#
            .utf8)

    static func seeded(referrersAPI: Bool) async throws -> (FakeRegistry, RegistryClient, ImageReference) {
        let registry = try await FakeRegistry.start(referrersAPI: referrersAPI)
        let digest = registry.seedManifest(imageManifest, mediaType: MediaType.ociManifest, repository: repository, tag: "v1")
        let reference = try ImageReference(parsing: "\(registry.address)/\(repository)@\(digest)")
        return (registry, RegistryClient(registry: registry.address), reference)
    }

    /// Manifests PUT by digest whose body names a subject: the referrer copies written.
    static func referrerPuts(_ registry: FakeRegistry) -> [FakeRequest] {
        registry.requests("PUT", containing: "/manifests/sha256:").filter { String(decoding: $0.body, as: UTF8.self).contains(#""subject""#) }
    }

    @Test("with the API: the signature manifest is also a referrer of the image, listed by artifactType, written once")
    func signatureReferrer() async throws {
        try await withFixture(try await Self.seeded(referrersAPI: true), tearDown: { await $0.0.shutdown() }) { registry, client, reference throws in
            let digest = try #require(reference.digest)
            let key = SigningKey.generate()
            let signed = try await ImageSigner(key: key, client: client).sign(reference)
            let referrer = try #require(signed.referrer, "a registry with the referrers API gets the referrer copy")

            let listed = try await client.referrers(
                repository: reference.repositoryName, digest: digest, artifactType: CosignAnnotations.signatureArtifactType)
            #expect(listed.map(\.digest) == [referrer])
            #expect(listed.first?.artifactType == CosignAnnotations.signatureArtifactType)

            // The copy holds the same layers as the `.sig` tag, and names the image as its subject.
            let copy = try await client.manifest(repository: reference.repositoryName, reference: .digest(referrer)).imageManifest()
            let tagged = try await client.manifest(repository: reference.repositoryName, reference: .tag(signed.signatureTag)).imageManifest()
            #expect(copy.subject?.digest == digest)
            #expect(copy.subject?.mediaType == MediaType.ociManifest)
            #expect(copy.subject?.size == Int64(Self.imageManifest.count))
            #expect(copy.artifactType == CosignAnnotations.signatureArtifactType)
            #expect(copy.layers == tagged.layers)
            // Verification reads the tag, which the copy does not replace.
            let verified = try await SignatureVerifier(keys: [key.verificationKey]).verify(repository: reference.repositoryName, digest: digest, client: client)
            #expect(verified.signatureTag == signed.signatureTag)

            // Signing again adds nothing, so no second referrer either.
            let again = try await ImageSigner(key: key, client: client).sign(reference)
            #expect(!again.added && again.referrer == nil)
            #expect(Self.referrerPuts(registry).count == 1)
            #expect(try await client.referrers(repository: reference.repositoryName, digest: digest).count == 1)
        }
    }

    @Test("with the API: an attestation is a referrer of its own artifactType, apart from the signature")
    func attestationReferrer() async throws {
        try await withFixture(try await Self.seeded(referrersAPI: true), tearDown: { await $0.0.shutdown() }) { registry, client, reference throws in
            let digest = try #require(reference.digest)
            let statement = InTotoStatement(
                subject: [.init(name: reference.name, digest: digest)], predicateType: "https://slsa.dev/provenance/v1", predicate: Data("{}".utf8))
            let attached = try await AttestationAttacher(client: client, key: SigningKey.generate()).attach(statement, to: reference)
            let referrer = try #require(attached.referrer)
            let attestations = try await client.referrers(
                repository: reference.repositoryName, digest: digest, artifactType: CosignAnnotations.attestationArtifactType)
            #expect(attestations.map(\.digest) == [referrer])
            #expect(
                try await client.referrers(repository: reference.repositoryName, digest: digest, artifactType: CosignAnnotations.signatureArtifactType)
                    .isEmpty)
        }
    }

    @Test("without the API (404, as distribution 2.8): only the tag is written, and no referrer is claimed")
    func withoutTheAPI() async throws {
        try await withFixture(try await Self.seeded(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, reference throws in
            let signed = try await ImageSigner(key: SigningKey.generate(), client: client).sign(reference)
            #expect(signed.added && signed.referrer == nil)
            #expect(Self.referrerPuts(registry).isEmpty)
            #expect(registry.requests("GET", containing: "/referrers/").count == 1, "asked once whether the API exists")
            #expect(try await client.manifestDescriptor(repository: reference.repositoryName, reference: .tag(signed.signatureTag)) != nil)
        }
    }
}
