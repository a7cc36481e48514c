import Foundation
import SigstoreVerification
import Testing

/// sigstore-conformance's bundle-verify cases (Tests/Fixtures/sigstore/conformance, origin in
/// the README there), run as the suite's harness runs them: each case by file and by digest.
@Suite("Sigstore conformance bundle-verify cases")
struct ConformanceBundleTests {
    static let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigstore/conformance")

    static let defaultIdentity =
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    static let defaultIssuer = "https://token.actions.githubusercontent.com"

    static var caseNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cases.path)) ?? [])
            .filter { (try? FileManager.default.contentsOfDirectory(atPath: cases.appendingPathComponent($0).path)) != nil }
            .sorted()
    }

    static func outcome(_ name: String, byDigest: Bool) async -> Result<BundleVerificationResult, BundleVerificationError> {
        let dir = cases.appendingPathComponent(name)
        func read(_ file: String) -> Data? { try? Data(contentsOf: dir.appendingPathComponent(file)) }
        func text(_ file: String) -> String? { read(file).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } }
        do {
            let root: TrustedRoot
            if let custom = read("trusted_root.json") { root = try TrustedRoot(json: custom) } else { root = try TrustedRoot.publicGood() }
            let artifact = read("artifact") ?? (try? Data(contentsOf: cases.appendingPathComponent("a.txt"))) ?? Data()
            let signer: SignerRequirement
            if let pem = text("key.pub") {
                guard let key = SigningPublicKey(pem: pem) else { return .failure(.key("key.pub unreadable")) }
                signer = .key(key)
            } else {
                signer = .identity(IdentityPolicy(issuer: text("issuer") ?? defaultIssuer, subject: .exact(text("identity") ?? defaultIdentity)))
            }
            let input: BundleArtifact = byDigest ? .sha256(BundleArtifact.bytes([UInt8](artifact)).sha256) : .bytes([UInt8](artifact))
            let verifier = BundleVerifier(trustedRoot: root)
            return .success(try await verifier.verify(bundleJSON: read("bundle.sigstore.json") ?? Data(), artifact: input, signer: signer))
        } catch {
            return .failure(error)
        }
    }

    @Test("the vendored suite is complete: 70 cases, 21 happy paths, 49 _fail")
    func suiteIsComplete() {
        #expect(Self.caseNames.count == 70)
        #expect(Self.caseNames.filter { !$0.hasSuffix("_fail") }.count == 21)
    }

    @Test("each happy path verifies and each _fail case is refused, by file and by digest", arguments: caseNames)
    func conformanceCase(name: String) async {
        for byDigest in [false, true] {
            let result = await Self.outcome(name, byDigest: byDigest)
            if name.hasSuffix("_fail") {
                if case .success = result { Issue.record("\(name) (digest: \(byDigest)) verified but must be refused") }
            } else if case let .failure(error) = result {
                Issue.record("\(name) (digest: \(byDigest)) refused: \(error)")
            }
        }
    }
}
