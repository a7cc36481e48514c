import Foundation
import OCIDistribution
import Testing

@testable import ImageSigning

/// Signatures nobody here wrote: a keyed signature made by cosign, and one made by
/// containers/image (skopeo), as containers/image keeps them in its own test fixtures
/// (Tests/Fixtures/cosign/containers-image, origin in the README there). Each file is
/// containers/image's on-disk form of one signature layer: a NUL, `sigstore-json`, a newline,
/// then the layer's media type, base64 payload and annotations.
@Suite("Signatures made by cosign and containers/image")
struct CosignMadeSignatureTests {
    static let directory = KeyFileTests.fixtures.appendingPathComponent("containers-image")
    /// The repository the signatures name, and so the one they are checked against.
    static let image = "192.168.64.2:5000/cosign-signed-single-sample"

    static func key() throws -> VerificationKey {
        try VerificationKey(pem: try String(contentsOf: directory.appendingPathComponent("cosign.pub"), encoding: .utf8), origin: "cosign.pub")
    }

    static func manifestDigest(_ name: String = "manifest.json") throws -> Digest {
        Digest.sha256(of: try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The signature layer in `name`, as the registry's signature manifest would hold it.
    static func layer(_ name: String) throws -> CosignManifestStore.StoredLayer {
        let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
        let prefix = Data("\u{0}sigstore-json\n".utf8)
        try #require(bytes.starts(with: prefix), "\(name) is not in containers/image's sigstore-json form")
        struct Stored: Decodable {
            let mimeType: String
            let payload: Data
            let annotations: [String: String]
        }
        let stored = try JSONDecoder().decode(Stored.self, from: bytes.dropFirst(prefix.count))
        let signed = SignedLayer(mediaType: stored.mimeType, payload: stored.payload, annotations: stored.annotations)
        return CosignManifestStore.StoredLayer(descriptor: signed.descriptor, payload: stored.payload)
    }

    static func check(_ file: String, image: String = image, digest: Digest? = nil, keys: [VerificationKey]? = nil) throws
        -> SignatureVerifier.Verified
    {
        let digest = try digest ?? manifestDigest()
        return try SignatureVerifier.check(
            layers: [try layer(file)], image: image, digest: digest, tag: CosignTag.signature(for: digest), keys: try keys ?? [key()])
    }

    @Test("cosign's signature of the image verifies with its public key, every check passing")
    func cosignSignatureVerifies() throws {
        let verified = try Self.check("cosign-valid.signature")
        #expect(verified.digest.description == "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00")
        #expect(verified.dockerReference == Self.image)
        #expect(verified.checks.count == 5)
    }

    @Test("containers/image's signature, naming the repository with a tag, verifies for that repository")
    func skopeoSignatureVerifies() throws {
        let verified = try Self.check("skopeo-signed-with-tag.signature", image: "192.168.64.2:5000/skopeo-signed")
        #expect(verified.dockerReference == "192.168.64.2:5000/skopeo-signed:tag")
    }

    @Test("the same cosign signature is refused for a modified manifest, another repository or another key")
    func refusals() throws {
        let modified = try Self.manifestDigest("modified-manifest.json")
        #expect(throws: VerificationFailure.digestMismatch(image: Self.image, expected: modified.description, signed: try Self.manifestDigest().description)) {
            _ = try Self.check("cosign-valid.signature", digest: modified)
        }
        do {
            _ = try Self.check("cosign-valid.signature", image: "192.168.64.2:5000/other")
            Issue.record("accepted a signature naming another repository")
        } catch { #expect((error as? VerificationFailure)?.check == "docker-reference") }
        do {
            _ = try Self.check("cosign-valid.signature", keys: [SigningKey.generate().verificationKey])
            Issue.record("accepted a signature by a key that was not given")
        } catch { #expect((error as? VerificationFailure)?.check == "key") }
        // The same payload signed by a key cosign.pub is not.
        do {
            _ = try Self.check("unknown-cosign-key.signature")
            Issue.record("accepted a signature by an unknown key")
        } catch { #expect((error as? VerificationFailure)?.check == "key") }
    }
}

/// containers-signature(5), "JSON processing and forward compatibility": "consumers MUST reject
/// the signature if the `critical` object, or _any_ of its subobjects, contain _any_ member or
/// data value which is unrecognized, unsupported, invalid, or in any other way unexpected. At a
/// minimum, this includes unrecognized members in a JSON object"; and "The top-level value of
/// the JSON document MUST be a JSON object with exactly two members, `critical` and `optional`".
@Suite("Simple-signing payloads with unknown members are rejected")
struct StrictPayloadTests {
    static let cosignPayload =
        #"{"critical":{"identity":{"docker-reference":"index.docker.io/namespace/image"},"image":{"docker-manifest-digest":"sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec"},"type":"cosign container image signature"},"optional":null}"#

    @Test(
        "an unknown member anywhere but in optional is refused, naming it",
        arguments: [
            (#"{"critical":{"#, #"{"critical":{"extra":1,"#, "critical.extra"),
            (#""image":{"#, #""image":{"docker-manifest-digest-v2":"x","#, "critical.image.docker-manifest-digest-v2"),
            (#""identity":{"#, #""identity":{"docker-reference-scope":"any","#, "critical.identity.docker-reference-scope"),
            (#""optional":null}"#, #""optional":null,"timestamp":1}"#, "timestamp"),
        ])
    func unknownMember(anchor: String, replacement: String, path: String) throws {
        let tampered = Self.cosignPayload.replacingOccurrences(of: anchor, with: replacement)
        try #require(tampered != Self.cosignPayload)
        #expect {
            _ = try SimpleSigningPayload.decode(Data(tampered.utf8))
        } throws: { error in
            (error as? SimpleSigningPayload.UnexpectedMember)?.path == path
        }
    }

    @Test("what cosign writes still decodes: optional null, absent, or with annotations of any type")
    func cosignPayloads() throws {
        #expect(try SimpleSigningPayload.decode(Data(Self.cosignPayload.utf8)).critical.type == SimpleSigningPayload.signatureType)
        let annotated = Self.cosignPayload.replacingOccurrences(of: #""optional":null"#, with: #""optional":{"creator":"x","n":1,"sig":"y"}"#)
        #expect(try SimpleSigningPayload.decode(Data(annotated.utf8)).optional == nil, "non-string values drop the annotations, not the signature")
        let absent = Self.cosignPayload.replacingOccurrences(of: #","optional":null"#, with: "")
        #expect(try SimpleSigningPayload.decode(Data(absent.utf8)).critical.identity.dockerReference == "index.docker.io/namespace/image")
        // The payloads cosign and containers/image signed (Tests/Fixtures/cosign/containers-image).
        for file in ["cosign-valid.signature", "skopeo-signed-with-tag.signature", "unknown-cosign-key.signature"] {
            let layer = try CosignMadeSignatureTests.layer(file)
            #expect(throws: Never.self, "\(file)") { _ = try SimpleSigningPayload.decode(layer.payload) }
        }
    }

    @Test("a signed payload with an unknown critical member fails verification with a reason that names it")
    func verifierRefuses() throws {
        let key = SigningKey.generate()
        let digest = try Digest("sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec")
        let payload = Data(Self.cosignPayload.replacingOccurrences(of: #"{"critical":{"#, with: #"{"critical":{"extra":1,"#).utf8)
        let layer = SignedLayer(
            mediaType: SimpleSigningPayload.mediaType, payload: payload, annotations: [CosignAnnotations.signature: try key.sign(payload).base64EncodedString()]
        )
        let stored = CosignManifestStore.StoredLayer(descriptor: layer.descriptor, payload: payload)
        #expect {
            _ = try SignatureVerifier.check(
                layers: [stored], image: "index.docker.io/namespace/image", digest: digest, tag: CosignTag.signature(for: digest),
                keys: [key.verificationKey])
        } throws: { error in
            "\(error)".contains("critical.extra")
        }
    }
}
