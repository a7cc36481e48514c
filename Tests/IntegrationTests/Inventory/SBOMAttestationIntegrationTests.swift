import Foundation
import ImageSigning
import OCIDistribution
import ReleaseKit
import Testing

/// The SBOM attestation `publish` attaches, on the bed's registry: attached to the real
/// Debian image (unsigned, then signed, replacing), fetched back with `sbom --attached`,
/// valid SPDX, the package set dpkg-query lists; verified by `verify-attestation`.
@Suite("SBOM attestations on the registry", .serialized, .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct SBOMAttestationIntegrationTests {
    @Test(
        "attach (unsigned, then signed), fetch back with sbom --attached, verify",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func attachAndFetch() async throws {
        let bed = TestBed.required
        let venv = try #require(InventoryTestSupport.venv)
        let reference = try await InventoryTestSupport.debianImage(bed)
        let digest = try Digest(try await TestImages.digest(of: reference))
        let pinned = try ImageReference(parsing: reference).withDigest(digest)
        let work = try bed.makeTemporaryDirectory("sbom-attest")
        let credentials = ChainedCredentials([])

        let unsigned = SBOMAttestation(
            key: nil, registries: RegistryClientFactory(credentials: credentials, insecureRegistries: [bed.registry]), workDirectory: work, toolVersion: "test")
        let first = try await unsigned.attach(to: pinned)
        #expect(first.map(\.digest) == [digest])
        #expect(first.allSatisfy { !$0.signed && $0.predicateType == "https://spdx.dev/Document" })

        let file = work.appendingPathComponent("attached.spdx.json")
        let fetched = try await InventoryTestSupport.releaseTool([
            "sbom", "--attached", pinned.description, "--insecure-registry", bed.registry, "--output", file.path,
        ])
        #expect(fetched.succeeded, "\(fetched.stderr)")
        #expect(fetched.stderr.contains("UNSIGNED"))
        #expect(try await InventoryTestSupport.validateSPDX(file, venv: venv).succeeded)
        let document = try InventoryTestSupport.json(try String(contentsOf: file, encoding: .utf8))
        let packages = (document["packages"] as? [[String: Any]] ?? []).filter { ($0["SPDXID"] as? String)?.hasPrefix("SPDXRef-Package-deb-") == true }
        #expect(packages.count == (try await InventoryTestSupport.dpkgQuery(try InventoryTestSupport.debianRootfs())).count)
        let image = (document["packages"] as? [[String: Any]] ?? []).first { $0["SPDXID"] as? String == "SPDXRef-Image" }
        #expect(image?["versionInfo"] as? String == digest.description)

        // Signed: verify-attestation with the public key accepts it.
        let key = SigningKey.generate()
        let publicKey = work.appendingPathComponent("key.pub")
        try Data(key.verificationKey.pem.utf8).write(to: publicKey)
        let signed = SBOMAttestation(
            key: key, registries: RegistryClientFactory(credentials: credentials, insecureRegistries: [bed.registry]), workDirectory: work, toolVersion: "test")
        let second = try await signed.attach(to: pinned)
        #expect(second.allSatisfy { $0.signed })
        let again = try await InventoryTestSupport.releaseTool(["sbom", "--attached", pinned.description, "--insecure-registry", bed.registry])
        #expect(again.succeeded && again.stderr.contains("(signed)"), "\(again.stderr)")
        let verified = try await InventoryTestSupport.releaseTool([
            "verify-attestation", "--type", "spdx", "--key", publicKey.path, "--insecure-registry", bed.registry, pinned.description,
        ])
        #expect(verified.succeeded, "verify-attestation: \(verified.stdout)\(verified.stderr)")

        // An image without attestations: a clear error, not a crash.
        let none = try await InventoryTestSupport.releaseTool(["sbom", "--attached", bed.busyboxImage, "--insecure-registry", bed.registry])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no attestations"))
    }
}
