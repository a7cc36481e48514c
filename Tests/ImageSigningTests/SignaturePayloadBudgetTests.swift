import Foundation
import OCIDistribution
import TestSupport
import Testing

@testable import ImageSigning

/// `verify` checks each signature payload as it is fetched and drops it, and stops fetching
/// at the first valid one or once the payloads fetched pass a total byte budget. Measured on
/// the in-process fake registry by what it serves: the old reader fetched (and held) every
/// payload of the tag before checking any.
@Suite("Signature payloads: checked as they arrive, with a total budget")
struct SignaturePayloadBudgetTests {
    static let repository = "ns/app"
    static let mebibyte = 1 << 20

    /// A `.sig` manifest for `digest` whose layers are `payloads` with their signatures.
    static func seedSignatures(_ registry: FakeRegistry, digest: Digest, layers: [(payload: [UInt8], signature: Data)]) {
        let config = Array("{}".utf8)
        let configDigest = registry.seedBlob(config, repository: repository)
        var descriptors: [String] = []
        for layer in layers {
            let blob = registry.seedBlob(layer.payload, repository: repository)
            descriptors.append(
                #"{"mediaType":"\#(SimpleSigningPayload.mediaType)","digest":"\#(blob)","size":\#(layer.payload.count),"annotations":{"\#(CosignAnnotations.signature)":"\#(layer.signature.base64EncodedString())"}}"#
            )
        }
        let manifest =
            #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(configDigest)","size":2},"layers":[\#(descriptors.joined(separator: ","))]}"#
        _ = registry.seedManifest(Array(manifest.utf8), mediaType: MediaType.ociManifest, repository: repository, tag: CosignTag.signature(for: digest))
    }

    /// `count` distinct payloads of one MiB, each validly signed by a key nobody trusts.
    static func strangerLayers(_ count: Int) throws -> [(payload: [UInt8], signature: Data)] {
        let stranger = SigningKey.generate()
        return try (0..<count).map { index in
            var payload = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: mebibyte)
            payload[0] = UInt8(index & 0xff)
            payload[1] = UInt8(index >> 8)
            return (payload, try stranger.sign(Data(payload)))
        }
    }

    /// Payload bytes the fake served from blob GETs (every blob here is a payload but the config).
    static func payloadBytesServed(_ registry: FakeRegistry, payloads: Set<String>) -> (count: Int, bytes: Int) {
        let gets = registry.requests("GET", containing: "/blobs/sha256:").filter { payloads.contains(String($0.path.split(separator: "/").last ?? "")) }
        return (gets.count, gets.count * mebibyte)
    }

    @Test("a valid signature first among 64 one-MiB payloads: only it is fetched")
    func validSignatureFirstStopsTheWalk() async throws {
        try await FakeRegistry.with { registry throws in
            let client = RegistryClient(registry: registry.address)
            let digest = Digest.sha256(of: Array("the image".utf8))
            let reference = try ImageReference(parsing: "\(registry.address)/\(Self.repository)@\(digest)")
            let key = SigningKey.generate()
            let valid = try SimpleSigningPayload(dockerReference: SimpleSigningPayload.dockerReference(for: reference), digest: digest).encoded()
            let junk = try Self.strangerLayers(63)
            Self.seedSignatures(registry, digest: digest, layers: [(Array(valid), try key.sign(valid))] + junk)

            let verified = try await SignatureVerifier(keys: [key.verificationKey]).verify(
                repository: reference.repositoryName, digest: digest, client: client)
            #expect(verified.signaturesExamined == 1)
            let served = Self.payloadBytesServed(registry, payloads: Set(junk.map { Digest.sha256(of: $0.payload).description }))
            // Before: all 63 junk payloads (63 MiB) were fetched and held before the first check.
            #expect(served.count == 0, "fetched \(served.count) payloads after the valid one (\(served.bytes) bytes)")
        }
    }

    @Test("72 one-MiB payloads, none valid: refused at the 64 MiB budget, naming it, after fetching at most that")
    func payloadsPastTheBudgetAreRefused() async throws {
        try await FakeRegistry.with { registry throws in
            let client = RegistryClient(registry: registry.address)
            let digest = Digest.sha256(of: Array("the image".utf8))
            let reference = try ImageReference(parsing: "\(registry.address)/\(Self.repository)@\(digest)")
            let junk = try Self.strangerLayers(72)
            Self.seedSignatures(registry, digest: digest, layers: junk)

            let error = await #expect(throws: VerificationFailure.self) {
                _ = try await SignatureVerifier(keys: [SigningKey.generate().verificationKey]).verify(
                    repository: reference.repositoryName, digest: digest, client: client)
            }
            let served = Self.payloadBytesServed(registry, payloads: Set(junk.map { Digest.sha256(of: $0.payload).description }))
            #expect(served.bytes <= 64 * Self.mebibyte, "fetched \(served.bytes) bytes")
            #expect(served.count == 64)
            guard case let .garbage(_, _, reason) = error else {
                Issue.record("expected the budget refusal, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("\(64 << 20) bytes") && reason.contains("layer 65 of 72"), "\(reason)")
            #expect(error?.description.contains("re-sign") == true)
        }
    }
}
