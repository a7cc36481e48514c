import Foundation
import OCIDistribution
import Testing

@testable import ImageSigning

/// The verifier's decisions on in-memory signature layers; the registry round trip is in
/// IntegrationTests (SigningRegistryTests).
@Suite("Signature verification checks")
struct VerificationCheckTests {
    let key = SigningKey.generate()
    let image = "127.0.0.1:5000/fixtures/base"
    let digest = Digest.sha256(of: Data("image".utf8))

    func layer(reference: String? = nil, digest: Digest? = nil, signer: SigningKey? = nil, mutate: (Data) -> Data = { $0 }) throws
        -> CosignManifestStore.StoredLayer
    {
        let payload = try SimpleSigningPayload(dockerReference: reference ?? image, digest: digest ?? self.digest).encoded()
        let signature = mutate(try (signer ?? key).sign(payload))
        let signed = SignedLayer(
            mediaType: SimpleSigningPayload.mediaType, payload: payload,
            annotations: [CosignAnnotations.signature: signature.base64EncodedString()])
        return CosignManifestStore.StoredLayer(descriptor: signed.descriptor, payload: payload)
    }

    func check(_ layers: [CosignManifestStore.StoredLayer], keys: [VerificationKey]? = nil) throws(VerificationFailure) -> SignatureVerifier.Verified {
        try SignatureVerifier.check(layers: layers, image: image, digest: digest, tag: CosignTag.signature(for: digest), keys: keys ?? [key.verificationKey])
    }

    @Test("a signature by the key over this digest and repository verifies")
    func valid() throws {
        let verified = try check([try layer()])
        #expect(verified.dockerReference == image)
        #expect(verified.checks.count == 5)
    }

    @Test("a signature moved from another digest is a digest mismatch")
    func moved() throws {
        let other = Digest.sha256(of: Data("other".utf8))
        #expect(throws: VerificationFailure.digestMismatch(image: image, expected: digest.description, signed: other.description)) {
            _ = try check([try layer(digest: other)])
        }
    }

    @Test("a payload naming another repository is a docker-reference mismatch")
    func otherRepository() throws {
        #expect(
            throws: VerificationFailure.dockerReferenceMismatch(image: image, expected: digest.description, signed: "127.0.0.1:5000/evil")
        ) { _ = try check([try layer(reference: "127.0.0.1:5000/evil")]) }
    }

    @Test("a truncated signature is a bad signature")
    func truncated() throws {
        do {
            _ = try check([try layer(mutate: { $0.prefix($0.count - 5) })])
            Issue.record("accepted a truncated signature")
        } catch { #expect((error as? VerificationFailure)?.check == "signature-encoding") }
    }

    @Test("another key's signature is a wrong-key failure naming the keys tried")
    func wrongKey() throws {
        #expect(throws: VerificationFailure.wrongKey(image: image, digest: digest.description, keys: ["public key"])) {
            _ = try check([try layer(signer: SigningKey.generate())])
        }
    }

    @Test("one good signature among bad ones is enough; all bad reports the most telling failure")
    func mixed() throws {
        _ = try check([try layer(signer: SigningKey.generate()), try layer()])
        let other = Digest.sha256(of: Data("other".utf8))
        do {
            _ = try check([try layer(mutate: { $0.prefix(3) }), try layer(digest: other)])
            Issue.record("accepted")
        } catch { #expect((error as? VerificationFailure)?.check == "digest") }
    }

    @Test("no keys configured is its own failure")
    func noKeys() throws {
        #expect(throws: VerificationFailure.self) { _ = try check([try layer()], keys: []) }
    }

    @Test("attestations: subject digest, predicate type and signer are all checked")
    func attestations() throws {
        func envelopeLayer(subject: Digest, type: String, signer: SigningKey?) throws -> CosignManifestStore.StoredLayer {
            let statement = try InTotoStatement(subject: [.init(name: image, digest: subject)], predicateType: type, predicate: ["a": "b"])
            let envelope = try DSSEEnvelope.make(payload: try statement.encoded(), key: signer).encoded()
            let signed = SignedLayer(mediaType: CosignAnnotations.dsseMediaType, payload: envelope, annotations: [CosignAnnotations.predicateType: type])
            return CosignManifestStore.StoredLayer(descriptor: signed.descriptor, payload: envelope)
        }
        let tag = CosignTag.attestation(for: digest)
        let keys = [key.verificationKey]
        let slsa = AttestationVerifier.predicateTypes(forShorthand: "slsaprovenance")
        let good = try AttestationVerifier.check(
            layers: [try envelopeLayer(subject: digest, type: SLSAProvenance.predicateType, signer: key)], image: image, digest: digest, tag: tag,
            keys: keys, types: slsa)
        #expect(good.count == 1)
        do {
            _ = try AttestationVerifier.check(
                layers: [try envelopeLayer(subject: Digest.sha256(of: Data("x".utf8)), type: SLSAProvenance.predicateType, signer: key)],
                image: image, digest: digest, tag: tag, keys: keys, types: slsa)
            Issue.record("accepted another subject")
        } catch { #expect((error as? VerificationFailure)?.check == "digest") }
        do {
            _ = try AttestationVerifier.check(
                layers: [try envelopeLayer(subject: digest, type: "https://spdx.dev/Document", signer: key)], image: image, digest: digest, tag: tag,
                keys: keys, types: slsa)
            Issue.record("accepted another type")
        } catch { #expect((error as? VerificationFailure)?.check == "predicate-type") }
        do {
            _ = try AttestationVerifier.check(
                layers: [try envelopeLayer(subject: digest, type: SLSAProvenance.predicateType, signer: nil)], image: image, digest: digest,
                tag: tag, keys: keys, types: nil)
            Issue.record("accepted an unsigned envelope")
        } catch { #expect((error as? VerificationFailure)?.check == "signature-encoding") }
    }
}
