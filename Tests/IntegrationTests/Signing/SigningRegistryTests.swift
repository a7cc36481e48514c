import CosignKeyFiles
import Foundation
import ImageSigning
import OCIDistribution
import Testing

/// Signing and verification through the bed's real registry, cross-checked against an
/// independent implementation written from cosign's specs (Tests/Support/cosign_spec.py,
/// PyPI cryptography + pynacl).
@Suite("Signing through the registry (with the independent Python verifier)", .serialized)
struct SigningRegistryTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Support/cosign_spec.py")

    static var python: String? {
        let venv = ProcessInfo.processInfo.environment["OUBLIETTE_TOOLS_VENV"] ?? "/root/.cache/oubliette/tools-venv"
        let path = "\(venv)/bin/python"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
    static let enabled = TestBed.isAvailable && python != nil
    static let reason: Comment = "needs the test bed and the tools venv (OUBLIETTE_TOOLS_VENV with cryptography + pynacl; scripts/python-tools)"

    /// Runs the independent implementation; returns (status, output).
    static func spec(_ arguments: [String], password: String = "pw") async throws -> ToolResult {
        try await ToolRunner.run(
            try #require(python), [script.path] + arguments, environment: ["COSIGN_PASSWORD": password], check: false, timeout: 120)
    }

    /// A private copy of the bed's busybox image in a fresh repository, plus a second image
    /// (same blobs, an extra manifest annotation, so another digest) in the same repository.
    static func images(_ bed: TestBed, label: String) async throws -> (client: RegistryClient, repository: RepositoryName, first: Digest, second: Digest) {
        let repository = try RepositoryName("signing/\(label)-\(UUID().uuidString.prefix(8).lowercased())")
        let target = ImageReference(registry: bed.registry, repository: repository.value, tag: "1")
        let copied = try await ImageCopier(registries: RegistryClientFactory(insecureRegistries: [bed.registry])).copy(
            from: .registry(try ImageReference(parsing: bed.busyboxImage)), to: .registry(target))
        let client = RegistryClient(registry: bed.registry, credentials: ChainedCredentials([]), security: .forRegistry(bed.registry, insecureRegistries: []))
        var manifest = try await client.manifest(repository: repository, reference: .digest(copied.digest)).imageManifest()
        manifest.annotations = (manifest.annotations ?? [:]).merging(["test.variant": "second"]) { $1 }
        let second = try await client.putManifest(manifest, repository: repository, reference: .tag("2"))
        return (client, repository, copied.digest, second)
    }

    @Test("we verify what the independent signer signs, it verifies what we sign, and key files cross-load", .enabled(if: enabled, reason))
    func crossImplementation() async throws {
        let bed = TestBed.required
        let (client, repository, digest, _) = try await Self.images(bed, label: "cross")
        let directory = try bed.makeTemporaryDirectory("keys")

        // Our key file, read by the independent reader.
        let ours = SigningKey.generate()
        let ourKeyFile = directory.appendingPathComponent("ours.key")
        try Data(try ours.encryptedPEM(password: Data("pw".utf8)).utf8).write(to: ourKeyFile)
        let ourPub = directory.appendingPathComponent("ours.pub")
        try Data(ours.verificationKey.pem.utf8).write(to: ourPub)
        let loaded = try await Self.spec(["load-key", ourKeyFile.path])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout == ours.verificationKey.pem)

        // Their key file, read by us.
        let theirPrefix = directory.appendingPathComponent("theirs").path
        #expect(try await Self.spec(["keygen", theirPrefix]).status == 0)
        let theirs = try SigningKey(pem: try String(contentsOfFile: theirPrefix + ".key", encoding: .utf8), password: Data("pw".utf8))
        let theirPub = try VerificationKey(contentsOf: URL(fileURLWithPath: theirPrefix + ".pub"))
        #expect(theirs.verificationKey == theirPub)

        // We sign; they verify.
        let outcome = try await ImageSigner(key: ours, client: client).sign(
            ImageReference(registry: bed.registry, repository: repository.value, digest: digest))
        #expect(outcome.added)
        let theirCheck = try await Self.spec(["verify", ourPub.path, bed.registry, repository.value, digest.description])
        #expect(theirCheck.status == 0, "\(theirCheck.stdout)\(theirCheck.stderr)")

        // They sign (appending to our manifest); we verify with their key, and ours still holds.
        let signed = try await Self.spec(["sign", theirPrefix + ".key", bed.registry, repository.value, digest.description])
        #expect(signed.status == 0, "\(signed.stderr)")
        let byThem = try await SignatureVerifier(keys: [theirPub]).verify(repository: repository, digest: digest, client: client)
        #expect(byThem.signaturesExamined == 2)
        _ = try await SignatureVerifier(keys: [ours.verificationKey]).verify(repository: repository, digest: digest, client: client)

        // Their verifier refuses a key that did not sign.
        let stranger = directory.appendingPathComponent("stranger.pub")
        try Data(SigningKey.generate().verificationKey.pem.utf8).write(to: stranger)
        #expect(try await Self.spec(["verify", stranger.path, bed.registry, repository.value, digest.description]).status != 0)
    }

    @Test("signing again with the same key adds no duplicate signature", .enabled(if: enabled, reason))
    func noDuplicates() async throws {
        let bed = TestBed.required
        let (client, repository, digest, _) = try await Self.images(bed, label: "dedupe")
        let key = SigningKey.generate()
        let reference = ImageReference(registry: bed.registry, repository: repository.value, digest: digest)
        let signer = ImageSigner(key: key, client: client)
        #expect(try await signer.sign(reference).added)
        #expect(try await !signer.sign(reference).added)
        _ = try await ImageSigner(key: SigningKey.generate(), client: client).sign(reference)
        let manifest = try await client.manifest(repository: repository, reference: .tag(CosignTag.signature(for: digest))).imageManifest()
        #expect(manifest.layers.count == 2)
    }

    @Test("tampering is rejected by us and by the independent verifier, each naming the failed check", .enabled(if: enabled, reason))
    func tampering() async throws {
        let bed = TestBed.required
        let (client, repository, digest, second) = try await Self.images(bed, label: "tamper")
        let directory = try bed.makeTemporaryDirectory("tamper")
        let key = SigningKey.generate()
        let pub = directory.appendingPathComponent("k.pub")
        try Data(key.verificationKey.pem.utf8).write(to: pub)
        let verifier = SignatureVerifier(keys: [key.verificationKey])
        let image = "\(bed.registry)/\(repository)"
        let store = CosignManifestStore(client: client)
        let subject = try #require(try await client.manifestDescriptor(repository: repository, reference: .digest(second)))

        func put(payload: Data, signature: Data) async throws {
            // Replace whatever is under the second image's signature tag.
            let layer = SignedLayer(
                mediaType: SimpleSigningPayload.mediaType, payload: payload, annotations: [CosignAnnotations.signature: signature.base64EncodedString()])
            _ = try await store.append(
                [layer], repository: repository, tag: CosignTag.signature(for: second), subject: subject,
                mediaTypes: [SimpleSigningPayload.mediaType], artifactType: CosignAnnotations.signatureArtifactType,
                isDuplicate: { _, _ in false }, replaces: { _, _ in true })
        }
        func expectFailure(_ check: String, _ label: String) async throws {
            do {
                _ = try await verifier.verify(repository: repository, digest: second, client: client)
                Issue.record("\(label): accepted")
            } catch {
                #expect(error.check == check, "\(label): \(error)")
                #expect(error.description.contains(image), "\(label): \(error)")
            }
            let independent = try await Self.spec(["verify", pub.path, bed.registry, repository.value, second.description])
            #expect(independent.status != 0, "\(label): the independent verifier accepted it")
        }

        // No signature at all.
        try await expectFailure("signature-present", "unsigned")

        // 1. A valid signature of the first image moved to the second's tag.
        let firstPayload = try SimpleSigningPayload(dockerReference: image, digest: digest).encoded()
        try await put(payload: firstPayload, signature: try key.sign(firstPayload))
        try await expectFailure("digest", "moved signature")

        // 2. A payload naming another repository.
        let otherRepository = try SimpleSigningPayload(dockerReference: "\(bed.registry)/someone/else", digest: second).encoded()
        try await put(payload: otherRepository, signature: try key.sign(otherRepository))
        try await expectFailure("docker-reference", "other repository")

        // 3. A truncated signature.
        let good = try SimpleSigningPayload(dockerReference: image, digest: second).encoded()
        let signature = try key.sign(good)
        try await put(payload: good, signature: signature.prefix(signature.count - 7))
        try await expectFailure("signature-encoding", "truncated")

        // 4. Another key's signature.
        try await put(payload: good, signature: try SigningKey.generate().sign(good))
        try await expectFailure("key", "wrong key")

        // 5. The signature tag pointing at garbage: the image manifest itself.
        let imageManifest = try await client.manifest(repository: repository, reference: .digest(digest))
        try await client.putManifest(
            imageManifest.bytes, mediaType: imageManifest.mediaType, repository: repository, reference: .tag(CosignTag.signature(for: second)))
        try await expectFailure("signature-manifest", "garbage tag")

        // And the genuine signature verifies with both (the garbage is replaced on signing).
        _ = try await ImageSigner(key: key, client: client).sign(ImageReference(registry: bed.registry, repository: repository.value, digest: second))
        _ = try await verifier.verify(repository: repository, digest: second, client: client)
        #expect(try await Self.spec(["verify", pub.path, bed.registry, repository.value, second.description]).status == 0)
    }

    @Test("attestations: signed SLSA provenance verifies in both; unsigned ones are stored but not trusted", .enabled(if: enabled, reason))
    func attestations() async throws {
        let bed = TestBed.required
        let (client, repository, digest, second) = try await Self.images(bed, label: "attest")
        let directory = try bed.makeTemporaryDirectory("attest")
        let key = SigningKey.generate()
        let pub = directory.appendingPathComponent("k.pub")
        try Data(key.verificationKey.pem.utf8).write(to: pub)
        let reference = ImageReference(registry: bed.registry, repository: repository.value, digest: digest)
        let provenance = SLSAProvenance(
            buildDefinition: .init(buildType: "https://example.invalid/build", externalParameters: ["entry": "base"]),
            runDetails: .init(builder: .init(id: "https://example.invalid/builder")))
        let statement = try InTotoStatement(
            subject: [.init(name: reference.name, digest: digest)], predicateType: SLSAProvenance.predicateType, predicate: provenance)
        let attacher = AttestationAttacher(client: client, key: key)
        #expect(try await attacher.attach(statement, to: reference, replacingSamePredicateType: true).added)
        #expect(try await !attacher.attach(statement, to: reference, replacingSamePredicateType: true).added)

        let verified = try await AttestationVerifier(keys: [key.verificationKey]).verify(
            repository: repository, digest: digest, client: client, types: AttestationVerifier.predicateTypes(forShorthand: "slsaprovenance"))
        #expect(verified.count == 1)
        let independent = try await Self.spec([
            "verify-attestation", pub.path, bed.registry, repository.value, digest.description, SLSAProvenance.predicateType,
        ])
        #expect(independent.status == 0, "\(independent.stdout)\(independent.stderr)")
        #expect(independent.stdout.contains("https://example.invalid/builder"))

        // Unsigned (what a keyless SBOM attach does): stored, listed, but not verified.
        let unsigned = ImageReference(registry: bed.registry, repository: repository.value, digest: second)
        let sbom = try InTotoStatement(
            subject: [.init(name: unsigned.name, digest: second)], predicateType: "https://spdx.dev/Document", predicate: ["spdxVersion": "SPDX-2.3"])
        #expect(try await !AttestationAttacher(client: client, key: nil).attach(sbom, to: unsigned).signed)
        do {
            _ = try await AttestationVerifier(keys: [key.verificationKey]).verify(repository: repository, digest: second, client: client, types: nil)
            Issue.record("an unsigned attestation verified")
        } catch { #expect(error.check == "signature-encoding") }
    }
}
