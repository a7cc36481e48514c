import Foundation
import SigstoreVerification
import Testing

/// Real public-good bundles (the conformance suite's happy paths, signed by Sigstore's GitHub
/// workflow identity and logged in Rekor) refused when one thing about them changes.
@Suite("Sigstore bundles refused when changed")
struct BundleRefusalTests {
    static let cases = ConformanceBundleTests.cases
    static let identity = IdentityPolicy(issuer: ConformanceBundleTests.defaultIssuer, subject: .exact(ConformanceBundleTests.defaultIdentity))

    static func bundle(_ name: String) throws -> Data { try Data(contentsOf: cases.appendingPathComponent("\(name)/bundle.sigstore.json")) }
    static var artifact: [UInt8] { (try? [UInt8](Data(contentsOf: cases.appendingPathComponent("a.txt")))) ?? [] }

    static func verify(_ json: Data, artifact: [UInt8] = artifact, signer: SignerRequirement = .identity(identity), root: TrustedRoot? = nil)
        async throws(BundleVerificationError) -> BundleVerificationResult
    {
        let trust: TrustedRoot
        if let root { trust = root } else { trust = try TrustedRoot.publicGood() }
        return try await BundleVerifier(trustedRoot: trust).verify(bundleJSON: json, artifact: .bytes(artifact), signer: signer)
    }

    /// The bundle with one field of its only tlog entry replaced.
    static func editingEntry(_ json: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var material = try #require(object["verificationMaterial"] as? [String: Any])
        var entries = try #require(material["tlogEntries"] as? [[String: Any]])
        edit(&entries[0])
        material["tlogEntries"] = entries
        object["verificationMaterial"] = material
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test("the v0.3 happy path verifies and reports who signed, when and where")
    func reportsIdentity() async throws {
        let result = try await Self.verify(try Self.bundle("happy-path-v0.3"))
        #expect(result.identity?.subject == ConformanceBundleTests.defaultIdentity)
        #expect(result.identity?.issuer == ConformanceBundleTests.defaultIssuer)
        #expect(result.identity?.sourceRepositoryURI == "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon")
        #expect(result.identity?.sourceRepositoryRef == "refs/heads/main")
        #expect(result.logURL == "https://rekor.sigstore.dev")
        #expect(result.verifiedTime < Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test("a changed artifact is refused")
    func changedDigest() async throws {
        await #expect(throws: BundleVerificationError.self) { try await Self.verify(try Self.bundle("happy-path-v0.3"), artifact: Self.artifact + [0x0A]) }
        await #expect(throws: BundleVerificationError.self) {
            try await Self.verify(try Self.bundle("happy-path-intoto-in-dsse-v3"), artifact: Self.artifact + [0x0A])
        }
    }

    @Test("another identity, issuer, repository or ref is refused by the identity check")
    func otherIdentity() async throws {
        let json = try Self.bundle("happy-path-v0.3")
        let base = ConformanceBundleTests.defaultIdentity
        let policies = [
            IdentityPolicy(
                issuer: ConformanceBundleTests.defaultIssuer, subject: .exact(base.replacingOccurrences(of: "refs/heads/main", with: "refs/heads/evil"))),
            IdentityPolicy(issuer: "https://accounts.google.com", subject: .exact(base)),
            IdentityPolicy(issuer: ConformanceBundleTests.defaultIssuer, subject: .pattern("https://github.com/oubliette/.*")),
            IdentityPolicy(issuer: ConformanceBundleTests.defaultIssuer, subject: .exact(base), repository: "oubliette/oubliette"),
            IdentityPolicy(issuer: ConformanceBundleTests.defaultIssuer, subject: .exact(base), ref: "refs/tags/v*"),
        ]
        for policy in policies {
            do {
                _ = try await Self.verify(json, signer: .identity(policy))
                Issue.record("\(policy.summary) accepted")
            } catch { #expect(error.check == "identity", "\(policy.summary): \(error)") }
        }
        let matching = IdentityPolicy(
            issuer: ConformanceBundleTests.defaultIssuer, subject: .pattern("https://github.com/sigstore-conformance/.*"),
            repository: "sigstore-conformance/extremely-dangerous-public-oidc-beacon", ref: "refs/heads/*")
        _ = try await Self.verify(json, signer: .identity(matching))
    }

    @Test("a tampered inclusion proof is refused")
    func tamperedProof() async throws {
        let json = try Self.editingEntry(try Self.bundle("happy-path-v0.3")) { entry in
            var proof = entry["inclusionProof"] as? [String: Any] ?? [:]
            var hashes = proof["hashes"] as? [String] ?? []
            hashes[0] = Data(repeating: 7, count: 32).base64EncodedString()
            proof["hashes"] = hashes
            entry["inclusionProof"] = proof
        }
        do {
            _ = try await Self.verify(json)
            Issue.record("tampered proof accepted")
        } catch { #expect(error.check == "inclusion-proof") }
    }

    @Test("a changed integrated time breaks the signed entry timestamp")
    func changedIntegratedTime() async throws {
        let json = try Self.editingEntry(try Self.bundle("happy-path-v0.3")) { entry in
            entry["integratedTime"] = String((Int(entry["integratedTime"] as? String ?? "0") ?? 0) + 1)
        }
        do {
            _ = try await Self.verify(json)
            Issue.record("changed integrated time accepted")
        } catch { #expect(error.check == "inclusion-promise") }
    }

    @Test("another instance's trusted root is refused")
    func wrongTrustedRoot() async throws {
        let staging = try TrustedRoot(json: try Data(contentsOf: Self.cases.appendingPathComponent("rekor2-happy-path/trusted_root.json")))
        do {
            _ = try await Self.verify(try Self.bundle("happy-path-v0.3"), root: staging)
            Issue.record("verified against the staging root")
        } catch { #expect((error as? BundleVerificationError)?.check == "tlog-entry") }
    }

    @Test("a keyless bundle is refused with a key, and a keyed bundle with an identity")
    func keyedAndKeyless() async throws {
        let pem = try String(contentsOf: Self.cases.appendingPathComponent("managed-key-and-trusted-root/key.pub"), encoding: .utf8)
        let key = try #require(SigningPublicKey(pem: pem))
        do {
            _ = try await Self.verify(try Self.bundle("happy-path-v0.3"), signer: .key(key))
            Issue.record("keyless bundle accepted with a key")
        } catch { #expect((error as? BundleVerificationError)?.check == "key") }
    }

    @Test("a file over the in-memory limit is hashed as it is read and verifies by digest")
    func streamedFile() async throws {
        let url = Self.cases.appendingPathComponent("a.txt")
        let streamed = try BundleArtifact.file(at: url, inMemoryLimit: 0)
        guard case let .sha256(digest) = streamed else {
            Issue.record("expected a digest, got the bytes")
            return
        }
        #expect(digest == BundleArtifact.bytes(Self.artifact).sha256)
        let result = try await BundleVerifier(trustedRoot: TrustedRoot.publicGood())
            .verify(bundleJSON: try Self.bundle("happy-path-v0.3"), artifact: streamed, signer: .identity(Self.identity))
        #expect(result.artifactDigest == "sha256:" + digest.map { String(format: "%02x", $0) }.joined())
    }
}
