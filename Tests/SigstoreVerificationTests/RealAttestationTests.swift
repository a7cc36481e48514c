import Foundation
import SigstoreVerification
import Testing

/// Attestations GitHub and npm made on the public-good instance (Tests/Fixtures/sigstore/
/// github-cli, origin in the README there), verified against the shipped trusted root, and
/// refused when the artifact, the identity, the inclusion proof or the trusted root changes.
@Suite("Real GitHub and npm attestations")
struct RealAttestationTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigstore/github-cli")
    static let actions = "https://token.actions.githubusercontent.com"

    struct Case: Sendable, CustomTestStringConvertible {
        var bundle: String
        var artifact: String
        var policy: IdentityPolicy
        var testDescription: String { bundle }
    }

    static let reusable = Case(
        bundle: "reusable-workflow-attestation.sigstore.json", artifact: "reusable-workflow-artifact",
        policy: IdentityPolicy(
            issuer: actions,
            subject: .pattern(#"https://github\.com/github/artifact-attestations-workflows/\.github/workflows/attest\.yml@.*"#),
            repository: "malancas/attest-demo", ref: "refs/heads/main", trigger: "workflow_dispatch"))

    static let all: [Case] = [
        reusable,
        Case(
            bundle: "custom-issuer.sigstore.json", artifact: "custom-issuer-artifact",
            policy: IdentityPolicy(
                issuer: "https://token.actions.githubusercontent.com/hammer-time",
                subject: .exact("https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main"),
                repository: "too-legit/attest")),
        Case(
            bundle: "sigstore-js-2.1.0-bundle.json", artifact: "sigstore-js-2.1.0.tgz",
            policy: IdentityPolicy(
                issuer: actions, subject: .exact("https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"),
                repository: "sigstore/sigstore-js", ref: "refs/heads/main", trigger: "push")),
        Case(
            bundle: "sigstore-js-2.1.0-bundle-v0.1.json", artifact: "sigstore-js-2.1.0.tgz",
            policy: IdentityPolicy(
                issuer: actions, subject: .exact("https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"))),
    ]

    static func run(_ item: Case, bundle: Data? = nil, artifact: [UInt8]? = nil, policy: IdentityPolicy? = nil, root: TrustedRoot? = nil)
        async throws -> BundleVerificationResult
    {
        let json = try bundle ?? Data(contentsOf: dir.appendingPathComponent(item.bundle))
        let bytes = try artifact ?? [UInt8](Data(contentsOf: dir.appendingPathComponent(item.artifact)))
        let trust = try root ?? TrustedRoot.publicGood()
        return try await BundleVerifier(trustedRoot: trust).verify(bundleJSON: json, artifact: .bytes(bytes), signer: .identity(policy ?? item.policy))
    }

    static func check(of body: () async throws -> BundleVerificationResult) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch { return (error as? BundleVerificationError)?.check ?? "\(error)" }
    }

    @Test("each verifies with its signer's identity", arguments: all)
    func verifies(_ item: Case) async throws {
        let result = try await Self.run(item)
        #expect(result.predicateType == "https://slsa.dev/provenance/v1")
        #expect(result.identity?.issuer == item.policy.issuer)
    }

    @Test("each is refused for a changed artifact", arguments: all)
    func changedArtifact(_ item: Case) async throws {
        var bytes = try [UInt8](Data(contentsOf: Self.dir.appendingPathComponent(item.artifact)))
        bytes[bytes.count / 2] ^= 1
        #expect(await Self.check { try await Self.run(item, artifact: bytes) } == "artifact-digest")
    }

    @Test("each is refused for another identity", arguments: all)
    func otherIdentity(_ item: Case) async throws {
        var policy = item.policy
        policy.subject = .exact("https://github.com/oubliette/oubliette/.github/workflows/release.yml@refs/tags/v1.0.0")
        #expect(await Self.check { try await Self.run(item, policy: policy) } == "identity")
        policy = item.policy
        policy.repository = "oubliette/oubliette"
        #expect(await Self.check { try await Self.run(item, policy: policy) } == "identity")
    }

    @Test("each is refused with a tampered inclusion proof", arguments: all)
    func tamperedProof(_ item: Case) async throws {
        let json = try Data(contentsOf: Self.dir.appendingPathComponent(item.bundle))
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var material = try #require(object["verificationMaterial"] as? [String: Any])
        var entries = try #require(material["tlogEntries"] as? [[String: Any]])
        var proof = try #require(entries[0]["inclusionProof"] as? [String: Any])
        var hashes = try #require(proof["hashes"] as? [String])
        hashes[hashes.count - 1] = Data(repeating: 0xAB, count: 32).base64EncodedString()
        proof["hashes"] = hashes
        entries[0]["inclusionProof"] = proof
        material["tlogEntries"] = entries
        object["verificationMaterial"] = material
        let tampered = try JSONSerialization.data(withJSONObject: object)
        #expect(await Self.check { try await Self.run(item, bundle: tampered) } == "inclusion-proof")
    }

    @Test("each is refused against another instance's trusted root (Sigstore staging)", arguments: all)
    func wrongRoot(_ item: Case) async throws {
        let staging = try TrustedRoot(
            json: try Data(contentsOf: ConformanceBundleTests.cases.appendingPathComponent("rekor2-happy-path/trusted_root.json")))
        #expect(await Self.check { try await Self.run(item, root: staging) } == "tlog-entry")
    }
}
