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
