import Foundation
import ImageSigning
import OCIDistribution
import Testing

@Suite("Simple-signing payload and DSSE")
struct PayloadTests {
    @Test("the payload bytes equal cosign's for the same reference and digest")
    func cosignBytes() throws {
        // Expected bytes from cosign's pkg/cosign/obsolete_test.go.
        let digest = try Digest("sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec")
        let payload = try SimpleSigningPayload(dockerReference: "index.docker.io/namespace/image", digest: digest).encoded()
        #expect(
            String(decoding: payload, as: UTF8.self)
                == #"{"critical":{"identity":{"docker-reference":"index.docker.io/namespace/image"},"image":{"docker-manifest-digest":"sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec"},"type":"cosign container image signature"},"optional":null}"#
        )
        #expect(try SimpleSigningPayload.decode(payload).critical.image.dockerManifestDigest == digest.description)
    }

    @Test("repository names compare across Docker Hub spellings and ignore tags, not hosts")
    func sameRepository() {
        #expect(SimpleSigningPayload.sameRepository("index.docker.io/library/busybox", "docker.io/library/busybox"))
        #expect(SimpleSigningPayload.sameRepository("127.0.0.1:5000/base:v1", "127.0.0.1:5000/base"))
        #expect(!SimpleSigningPayload.sameRepository("127.0.0.1:5000/other", "127.0.0.1:5000/base"))
        #expect(!SimpleSigningPayload.sameRepository("127.0.0.1:5001/base", "127.0.0.1:5000/base"))
    }

    @Test("DSSE pre-authentication encoding follows the DSSE v1 spec")
    func pae() {
        // The spec's worked example: type "http://example.com/HelloWorld", body "hello world".
        let encoded = DSSEEnvelope.preAuthenticationEncoding(payloadType: "http://example.com/HelloWorld", payload: Data("hello world".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test("a signed envelope verifies over PAE, not over the raw payload")
    func envelopeSignature() throws {
        let key = SigningKey.generate()
        let statement = try InTotoStatement(
            subject: [.init(name: "r/x", digest: Digest.sha256(of: Data("x".utf8)))], predicateType: SLSAProvenance.predicateType,
            predicate: ["k": "v"])
        let body = try statement.encoded()
        let envelope = try DSSEEnvelope.make(payload: body, key: key)
        let signature = try #require(Data(base64Encoded: envelope.signatures[0].sig))
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: body)
        #expect(try key.verificationKey.isValidSignature(signature, for: pae))
        #expect(try !key.verificationKey.isValidSignature(signature, for: body))
        let decoded = try InTotoStatement.decode(body)
        #expect(decoded.predicateType == SLSAProvenance.predicateType)
        #expect(decoded.subject == statement.subject)
        #expect(try DSSEEnvelope.make(payload: body, key: nil).signatures.isEmpty)
    }
}
