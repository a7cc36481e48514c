import Foundation
import OCIDistribution
import SigstoreTestSupport
import SigstoreVerification
import TestSupport
import Testing

@testable import ImageSigning

/// Keyless verification of images from the bundles beside them, on the in-process fake
/// registry (with and without the OCI referrers API), with real bundles others made:
///
/// - GitHub's artifact attestation (Tests/Fixtures/sigstore/github-cli) names a subject by a
///   fixed sha256. The fake registry serves that subject file's bytes as the "image manifest",
///   so the image's manifest digest IS the attested digest and the bundle binds it for real.
/// - cosign's `.sig` keyless layers: no cosign keyless image signature is vendored, so the
///   conformance suite's v0.1 message-signature bundle (public-good, over `a.txt`) is laid out
///   in cosign's annotations with `a.txt` as the layer payload: every Sigstore check passes and
///   the refusal is the payload's (not a simple-signing payload naming this image).
@Suite("Keyless image verification (referrers, tag schema, cosign layers)")
struct KeylessImageVerificationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigstore")
    static let repository = "ns/app"
    static let actions = "https://token.actions.githubusercontent.com"
    static let attestWorkflow = IdentityPolicy(
        issuer: actions, subject: .pattern(#"https://github\.com/github/artifact-attestations-workflows/\.github/workflows/attest\.yml@.*"#),
        repository: "malancas/attest-demo", ref: "refs/heads/*")
    static let otherIdentity = IdentityPolicy(
        issuer: actions, subject: .pattern(#"https://github\.com/hyphagroup/oubliette/\.github/workflows/release\.yml@refs/tags/v.*"#),
        ref: "refs/tags/v*")

    static func data(_ path: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(path)) }

    /// A fake registry holding the attested subject file as an image manifest (tag v1).
    static func attestedImage(referrersAPI: Bool) async throws -> (FakeRegistry, RegistryClient, Descriptor) {
        let registry = try await FakeRegistry.start(referrersAPI: referrersAPI)
        let bytes = try [UInt8](data("github-cli/reusable-workflow-artifact"))
        let digest = registry.seedManifest(bytes, mediaType: MediaType.ociManifest, repository: repository, tag: "v1")
        return (registry, RegistryClient(registry: registry.address), Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count)))
    }

    static func attach(_ client: RegistryClient, to subject: Descriptor) async throws -> Digest {
        try await SigstoreBundleAttacher(client: client).attach(
            bundle: try data("github-cli/reusable-workflow-attestation.sigstore.json"), mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
            subject: subject, repository: try RepositoryName(Self.repository),
            annotations: ["dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"])
    }

    static func verifier(_ identities: [IdentityPolicy]) throws -> KeylessImageVerifier {
        KeylessImageVerifier(identities: identities, trustedRoot: try TrustedRoot.publicGood())
    }

    static func failure(_ body: () async throws -> some Any) async -> VerificationFailure? {
        do {
            _ = try await body()
            return nil
        } catch { return error as? VerificationFailure }
    }

    @Test("a GitHub attestation attached as an OCI referrer verifies the image by identity", arguments: [true, false])
    func referrerVerifies(referrersAPI: Bool) async throws {
        try await withFixture(try await Self.attestedImage(referrersAPI: referrersAPI), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            let referrer = try await Self.attach(client, to: image)
            let before = registry.log.count

            let verified = try await Self.verifier([Self.otherIdentity, Self.attestWorkflow]).verify(
                repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            #expect(verified.kind == .referrer)
            #expect(verified.source == "referrer \(referrer)")
            #expect(verified.identity.sourceRepositoryURI == "https://github.com/malancas/attest-demo")
            #expect(verified.policy == Self.attestWorkflow.summary)
            #expect(verified.predicateType == "https://slsa.dev/provenance/v1")
            #expect(verified.logIndex == 96_764_485)
            let reads = registry.log.dropFirst(before).filter { $0.method == "GET" }
            let tagSchemaReads = reads.filter { $0.uri.hasSuffix("/manifests/sha256-\(image.digest.encoded)") }
            #expect(reads.contains { $0.uri.hasSuffix("/referrers/\(image.digest)") })
            if referrersAPI {
                #expect(tagSchemaReads.isEmpty, "the API answered: no tag fallback")
            } else {
                // distribution 2.8's shape: the referrers endpoint is a 404, the tag-schema index is read.
                #expect(tagSchemaReads.count == 1)
            }
        }
    }

    @Test("another identity is refused, naming what was expected and who signed")
    func otherIdentityRefused() async throws {
        try await withFixture(try await Self.attestedImage(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            try await Self.attach(client, to: image)
            let failure = await Self.failure {
                try await Self.verifier([Self.otherIdentity]).verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(failure?.check == "identity")
            let text = failure?.description ?? ""
            #expect(text.contains(Self.otherIdentity.summary))
            #expect(text.contains("signed by https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@"))
        }
    }

    @Test("an attestation listed for another image is refused (subject digest)")
    func otherImageRefused() async throws {
        try await FakeRegistry.with(referrersAPI: true) { registry throws in
            let client = RegistryClient(registry: registry.address)
            let bytes = Array(
                #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#
                    .utf8)
            let digest = registry.seedManifest(bytes, mediaType: MediaType.ociManifest, repository: Self.repository, tag: "v1")
            try await Self.attach(client, to: Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count)))
            let failure = await Self.failure {
                try await Self.verifier([Self.attestWorkflow]).verify(repository: try RepositoryName(Self.repository), digest: digest, client: client)
            }
            #expect(failure?.check == "artifact-digest")
            #expect(failure?.description.contains("no in-toto subject has \(digest)") == true)
        }
    }

    @Test("an image with no bundle is refused as unsigned, listing where it looked")
    func noBundle() async throws {
        try await withFixture(try await Self.attestedImage(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            let failure = await Self.failure {
                try await Self.verifier([Self.attestWorkflow]).verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(failure?.check == "bundle-present")
            let text = failure?.description ?? ""
            #expect(text.contains("tag sha256-\(image.digest.encoded).sig: absent"))
            #expect(text.contains("referrers of \(image.digest): 0 referrer(s)"))
        }
    }

    @Test("a bundle layer over the size budget is not downloaded")
    func budget() async throws {
        try await withFixture(try await Self.attestedImage(referrersAPI: true), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            try await Self.attach(client, to: image)
            var verifier = try Self.verifier([Self.attestWorkflow])
            verifier.limits.bundleBytes = 1024
            let failure = await Self.failure {
                try await verifier.verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(failure?.check == "bundle-present")
            #expect(failure?.description.contains("(limit 1024)") == true)
            let bundleDigest = Digest.sha256(of: try Self.data("github-cli/reusable-workflow-attestation.sigstore.json"))
            #expect(registry.requests("GET", containing: "/blobs/\(bundleDigest)").isEmpty)
        }
    }

    /// The attestation laid out as cosign's `.att` keyless layer: DSSE envelope payload,
    /// certificate, chain (with the root, which is dropped) and Rekor bundle annotations.
    @Test("cosign .att keyless layer (certificate, chain and Rekor bundle annotations) verifies")
    func cosignAttestationLayer() async throws {
        try await withFixture(try await Self.attestedImage(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            let bundle = try #require(
                try JSONSerialization.jsonObject(with: try Self.data("github-cli/reusable-workflow-attestation.sigstore.json")) as? [String: Any])
            let envelope = try JSONSerialization.data(withJSONObject: try #require(bundle["dsseEnvelope"]))
            let material = try #require(bundle["verificationMaterial"] as? [String: Any])
            let leaf = try #require((material["certificate"] as? [String: Any])?["rawBytes"] as? String)
            var annotations = try Self.cosignAnnotations(entry: try #require((material["tlogEntries"] as? [[String: Any]])?.first), leafBase64: leaf)
            annotations["predicateType"] = "https://slsa.dev/provenance/v1"
            let layer = SignedLayer(mediaType: CosignAnnotations.dsseMediaType, payload: envelope, annotations: annotations)
            _ = try await CosignManifestStore(client: client).append(
                [layer], repository: try RepositoryName(Self.repository), tag: CosignTag.attestation(for: image.digest), subject: image,
                mediaTypes: [CosignAnnotations.dsseMediaType], artifactType: CosignAnnotations.attestationArtifactType, isDuplicate: { _, _ in false })

            let verified = try await Self.verifier([Self.attestWorkflow]).verify(
                repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            #expect(verified.kind == .cosignAttestation)
            #expect(verified.source.hasPrefix("tag \(CosignTag.attestation(for: image.digest))"))

            let failure = await Self.failure {
                try await Self.verifier([Self.otherIdentity]).verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(failure?.check == "identity")
        }
    }

    @Test("cosign .sig keyless layer: the Sigstore checks pass, then the payload must name the image")
    func cosignSignatureLayer() async throws {
        try await withFixture(try await Self.attestedImage(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            let bundle = try #require(
                try JSONSerialization.jsonObject(with: try Self.data("conformance/happy-path-v0.1/bundle.sigstore.json")) as? [String: Any])
            let material = try #require(bundle["verificationMaterial"] as? [String: Any])
            let chain = try #require((material["x509CertificateChain"] as? [String: Any])?["certificates"] as? [[String: Any]])
            let leaf = try #require(chain.first?["rawBytes"] as? String)
            var annotations = try Self.cosignAnnotations(entry: try #require((material["tlogEntries"] as? [[String: Any]])?.first), leafBase64: leaf)
            annotations[CosignAnnotations.signature] = try #require((bundle["messageSignature"] as? [String: Any])?["signature"] as? String)
            let payload = try Self.data("conformance/a.txt")
            let layer = SignedLayer(mediaType: SimpleSigningPayload.mediaType, payload: payload, annotations: annotations)
            _ = try await CosignManifestStore(client: client).append(
                [layer], repository: try RepositoryName(Self.repository), tag: CosignTag.signature(for: image.digest), subject: image,
                mediaTypes: [SimpleSigningPayload.mediaType], artifactType: CosignAnnotations.signatureArtifactType, isDuplicate: { _, _ in false })

            let beacon = IdentityPolicy(
                issuer: Self.actions,
                subject: .exact(
                    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
                ))
            let found = await ImageBundleDiscovery(client: client).find(repository: try RepositoryName(Self.repository), digest: image.digest)
            #expect(found.bundles.map(\.kind) == [.cosignSignature])
            #expect(found.problems.isEmpty, "\(found.problems)")

            // Chain, SCT, promise, log body and signature all verify; a.txt is no simple-signing payload.
            let failure = await Self.failure {
                try await Self.verifier([beacon]).verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(failure?.check == "payload", "\(String(describing: failure))")
            // A tampered signature annotation fails the Sigstore checks instead.
            var bad = found.bundles
            bad[0].payload = Data("tampered".utf8)
            let tampered = await Self.failure { try await Self.verifier([beacon]).check(bad, image: "x/y", digest: image.digest) }
            #expect(tampered?.check == "artifact-digest" || tampered?.check == "signature", "\(String(describing: tampered))")
            let other = await Self.failure {
                try await Self.verifier([Self.otherIdentity]).verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(other?.check == "identity")
        }
    }

    // MARK: - Bundles made by the test Sigstore authority (SigstoreTestSupport)

    static let release = TestSigningIdentity.githubWorkflow(repository: "oubliette-test/images", ref: "refs/tags/v2.0.0")
    static let releasePolicy = IdentityPolicy(
        issuer: actions, subject: .pattern(#"https://github\.com/oubliette-test/images/\.github/workflows/release\.yml@refs/tags/v.*"#),
        repository: "oubliette-test/images", ref: "refs/tags/v*")

    /// A cosign `.sig` keyless layer for `payload`, signed by the authority (bundle read back into cosign's annotations).
    static func cosignKeylessLayer(payload: Data, authority: TestSigstoreAuthority, identity: TestSigningIdentity = release) throws -> SignedLayer {
        let json = try authority.bundle(forFile: payload, identity: identity, kind: .messageSignature)
        let bundle = try need(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let material = try need(bundle["verificationMaterial"] as? [String: Any])
        let leaf = try need((material["certificate"] as? [String: Any])?["rawBytes"] as? String)
        let chain = TestSigstoreAuthority.pem(authority.intermediateCertificateDER) + TestSigstoreAuthority.pem(authority.rootCertificateDER)
        var annotations = try cosignAnnotations(entry: try need((material["tlogEntries"] as? [[String: Any]])?.first), leafBase64: leaf, chainPEM: chain)
        annotations[CosignAnnotations.signature] = try need((bundle["messageSignature"] as? [String: Any])?["signature"] as? String)
        return SignedLayer(mediaType: SimpleSigningPayload.mediaType, payload: payload, annotations: annotations)
    }

    static func storeSignature(_ layer: SignedLayer, image: Descriptor, client: RegistryClient) async throws {
        _ = try await CosignManifestStore(client: client).append(
            [layer], repository: try RepositoryName(repository), tag: CosignTag.signature(for: image.digest), subject: image,
            mediaTypes: [SimpleSigningPayload.mediaType], artifactType: CosignAnnotations.signatureArtifactType, isDuplicate: { _, _ in false })
    }

    @Test("cosign .sig keyless layer by the test authority: verifies when the payload names this digest and repository")
    func cosignKeylessSignatureVerifies() async throws {
        let authority = try TestSigstoreAuthority()
        try await withFixture(try await Self.attestedImage(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            let name = "\(registry.address)/\(Self.repository)"
            let payload = try SimpleSigningPayload(dockerReference: name, digest: image.digest).encoded()
            try await Self.storeSignature(try Self.cosignKeylessLayer(payload: payload, authority: authority), image: image, client: client)
            let root = try TrustedRoot(json: authority.trustedRootJSON)

            let verified = try await KeylessImageVerifier(identities: [Self.releasePolicy], trustedRoot: root).verify(
                repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            #expect(verified.kind == .cosignSignature)
            #expect(verified.identity.subject == Self.release.subject)
            #expect(verified.checks.last == "simple-signing payload names \(image.digest) and \(name)")
            // The same certificate chain is refused under the public-good root.
            let publicGood = await Self.failure {
                try await Self.verifier([Self.releasePolicy]).verify(repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(publicGood?.check == "tlog-entry", "\(String(describing: publicGood))")
        }
    }

    @Test("cosign .sig keyless layer moved from another image or repository is refused (digest, docker-reference)")
    func cosignKeylessSignatureMoved() async throws {
        let authority = try TestSigstoreAuthority()
        let root = try TrustedRoot(json: authority.trustedRootJSON)
        for (claim, check) in [("digest", "digest"), ("repository", "docker-reference")] {
            try await withFixture(try await Self.attestedImage(referrersAPI: false), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
                let other = try Digest("sha256:" + String(repeating: "b", count: 64))
                let payload = try SimpleSigningPayload(
                    dockerReference: claim == "repository" ? "\(registry.address)/other/app" : "\(registry.address)/\(Self.repository)",
                    digest: claim == "digest" ? other : image.digest
                ).encoded()
                try await Self.storeSignature(try Self.cosignKeylessLayer(payload: payload, authority: authority), image: image, client: client)
                let failure = await Self.failure {
                    try await KeylessImageVerifier(identities: [Self.releasePolicy], trustedRoot: root).verify(
                        repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
                }
                #expect(failure?.check == check, "\(claim): \(String(describing: failure))")
            }
        }
    }

    @Test("a message-signature bundle over the manifest digest, as a referrer, verifies; over another digest it is refused")
    func messageSignatureReferrer() async throws {
        let authority = try TestSigstoreAuthority()
        let root = try TrustedRoot(json: authority.trustedRootJSON)
        try await withFixture(try await Self.attestedImage(referrersAPI: true), tearDown: { await $0.0.shutdown() }) { registry, client, image throws in
            let attacher = SigstoreBundleAttacher(client: client)
            let mediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
            try await attacher.attach(
                bundle: try authority.bundle(forDigest: "sha256:" + String(repeating: "c", count: 64), identity: Self.release), mediaType: mediaType,
                subject: image, repository: try RepositoryName(Self.repository))
            let refused = await Self.failure {
                try await KeylessImageVerifier(identities: [Self.releasePolicy], trustedRoot: root).verify(
                    repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            }
            #expect(refused?.check == "artifact-digest", "\(String(describing: refused))")

            try await attacher.attach(
                bundle: try authority.bundle(forDigest: image.digest.description, identity: Self.release), mediaType: mediaType, subject: image,
                repository: try RepositoryName(Self.repository))
            let verified = try await KeylessImageVerifier(identities: [Self.releasePolicy], trustedRoot: root).verify(
                repository: try RepositoryName(Self.repository), digest: image.digest, client: client)
            #expect(verified.kind == .referrer)
            #expect(verified.bundlesExamined == 2)
            #expect(verified.checks.last == "the signed message is the manifest \(image.digest)")
        }
    }

    /// cosign's annotations for a bundle's log entry and leaf: certificate PEM, chain PEM
    /// (intermediate and root of the public-good Fulcio CA; the root is dropped on reading),
    /// Rekor bundle JSON.
    static func cosignAnnotations(entry: [String: Any], leafBase64: String, chainPEM given: String? = nil) throws -> [String: String] {
        func pem(_ base64: String) -> String {
            let der = Data(base64Encoded: base64) ?? Data()
            let lines = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            return "-----BEGIN CERTIFICATE-----\n\(lines)\n-----END CERTIFICATE-----\n"
        }
        let rootFile = fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SigstoreVerification/Resources/trusted_root.json")
        let trust = try need(try JSONSerialization.jsonObject(with: Data(contentsOf: rootFile)) as? [String: Any])
        let authority = try need((trust["certificateAuthorities"] as? [[String: Any]])?.last)
        let chain = try need((authority["certChain"] as? [String: Any])?["certificates"] as? [[String: Any]])
        let chainPEM = try given ?? chain.map { pem(try need($0["rawBytes"] as? String)) }.joined()

        let keyID = try need(Data(base64Encoded: try need((entry["logId"] as? [String: Any])?["keyId"] as? String)))
        let rekor: [String: Any] = [
            "SignedEntryTimestamp": try need((entry["inclusionPromise"] as? [String: Any])?["signedEntryTimestamp"] as? String),
            "Payload": [
                "body": try need(entry["canonicalizedBody"] as? String),
                "integratedTime": try need(Int64(try need(entry["integratedTime"] as? String))),
                "logIndex": try need(Int64(try need(entry["logIndex"] as? String))),
                "logID": keyID.map { String(format: "%02x", $0) }.joined(),
            ],
        ]
        return [
            CosignLegacySignature.certificateAnnotation: pem(leafBase64),
            CosignLegacySignature.chainAnnotation: chainPEM,
            CosignLegacySignature.bundleAnnotation: String(decoding: try JSONSerialization.data(withJSONObject: rekor, options: [.sortedKeys]), as: UTF8.self),
        ]
    }

    struct Missing: Error { let what: String }
    static func need<T>(_ value: T?, _ what: String = #function) throws -> T {
        guard let value else { throw Missing(what: what) }
        return value
    }
}
