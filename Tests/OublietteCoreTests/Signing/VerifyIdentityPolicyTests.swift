import Foundation
import ImageSigning
import OCIDistribution
import SigstoreTestSupport
import SigstoreVerification
import SystemSupport
import TestSupport
import Testing

@testable import OublietteCore

/// Signer identities in the `verify` policy (keyless), the shipped default for the catalogue's
/// own images, and the pull-time check by identity against bundles in a (fake) registry.
@Suite("verify policy: signer identities and the shipped default")
struct VerifyIdentityPolicyTests {
    static let file = "/etc/oubliette/oubliette.jsonc"
    static let actions = "https://token.actions.githubusercontent.com"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigstore/github-cli")

    func config(_ text: String) throws(ConfigError) -> OublietteConfig {
        try OublietteConfig(parsing: text, file: Self.file, catalogue: .shipped, devMode: false)
    }

    static let shippedBase = "ghcr.io/hyphagroup/oubliette-base:latest"

    @Test("identities globally and per type; identities alone mean enforce; trusted_root is relative to the file")
    func parsed() throws {
        let parsed = try config(
            #"""
            { "verify": {
                "identities": [{ "issuer": "https://token.actions.githubusercontent.com", "subject_pattern": "https://github\\.com/me/img/.*", "repository": "me/img", "ref": "refs/tags/v*" }],
                "trusted_root": "sigstore/root.json",
                "containers": { "dev": { "identities": [{ "issuer": "https://accounts.example", "subject": "me@example.org" }] } } } }
            """#)
        let custom = parsed.verify.effective(for: "custom", image: try ImageReference(parsing: "registry.example/me/img:1"))
        #expect(custom.mode == .enforce)
        #expect(
            custom.identities == [
                IdentityPolicy(issuer: Self.actions, subject: .pattern(#"https://github\.com/me/img/.*"#), repository: "me/img", ref: "refs/tags/v*")
            ])
        #expect(custom.trustedRoot == "/etc/oubliette/sigstore/root.json")
        #expect(parsed.verify.effective(for: "dev").identities == [IdentityPolicy(issuer: "https://accounts.example", subject: .exact("me@example.org"))])
        #expect(custom.expected == ["identity subject matching https://github\\.com/me/img/.*, issuer \(Self.actions), repository me/img, ref refs/tags/v*"])
        // A type with identities of its own may have an empty key list under a global enforce.
        _ = try config(
            #"{ "verify": { "keys": ["/k.pub"], "containers": { "dev": { "keys": [], "identities": [{ "issuer": "i", "subject": "s" }] } } } }"#)
    }

    @Test(
        "bad identities are refused at their line:column",
        arguments: [
            ("{\n  \"verify\": { \"identities\": [\n    { \"issuer\": \"i\", \"subject_pattern\": \"(unclosed\" }] } }", "3:41", "subject_pattern"),
            ("{\n  \"verify\": { \"identities\": [\n    { \"subject\": \"s\" }] } }", "3:5", "identities.issuer"),
            ("{\n  \"verify\": { \"identities\": [\n    { \"issuer\": \"i\" }] } }", "3:5", "identities.subject"),
            ("{\n  \"verify\": { \"identities\": [\n    { \"issuer\": \"i\", \"subject\": \"s\", \"subject_pattern\": \"p\" }] } }", "3:38", "not both"),
            ("{\n  \"verify\": { \"identities\": [\n    { \"issuer\": \"i\", \"subjekt\": \"s\" }] } }", "3:22", "did you mean \"subject\""),
            ("{\n  \"verify\": { \"identities\": [\n    { \"issuer\": 3, \"subject\": \"s\" }] } }", "3:17", "identities.issuer"),
            ("{\n  \"verify\": { \"identities\": \"x\" } }", "2:29", "identities"),
            ("{\n  \"verify\": { \"identities\": [{ \"issuer\": \"i\", \"subject\": \"s\" }], \"trusted_root\": 1 } }", "2:82", "trusted_root"),
        ])
    func refused(text: String, location: String, mention: String) throws {
        do {
            _ = try config(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains("oubliette.jsonc:\(location)"), "\(error)")
            #expect(error.description.contains(mention), "\(error)")
        }
    }

    @Test("the config oubliette init writes, and the example, keep the shipped default (enforced by the release identity)")
    func templateKeepsTheShippedDefault() throws {
        let example = Self.fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/oubliette.jsonc.example")
        for (text, file) in [
            (ConfigTemplate.render(catalogue: .shipped), "/tmp/template.jsonc"), (try String(contentsOf: example, encoding: .utf8), example.path),
        ] {
            let parsed = try OublietteConfig(parsing: text, file: file, catalogue: .shipped, devMode: false)
            let base = try #require(parsed.containers["base"]?.reference)
            let effective = parsed.verify.effective(for: "base", image: base)
            #expect(effective.mode == .enforce, "\(file)")
            #expect(effective.identities == [VerifyPolicy.shippedIdentity], "\(file)")
            #expect(text.contains("\"identities\""), "\(file) documents identities")
        }
    }

    @Test("an empty identity list for one type under a global enforce by identity is an error, not a silent off")
    func emptyTypeIdentitiesUnderEnforce() throws {
        let text =
            "{\n  \"verify\": {\n    \"identities\": [{ \"issuer\": \"i\", \"subject\": \"s\" }],\n    \"containers\": { \"dev\": { \"identities\": [] } }\n  }\n}"
        do {
            _ = try config(text)
            Issue.record("accepted an empty identity list under enforce")
        } catch {
            #expect(error.description.contains("oubliette.jsonc:4:44"), "\(error)")
            #expect(error.description.contains("verify.containers.dev.identities"), "\(error)")
        }
        // With a key of its own, or "mode": "off", the type is what the user said.
        _ = try config(
            #"{ "verify": { "identities": [{ "issuer": "i", "subject": "s" }], "containers": { "dev": { "identities": [], "keys": ["/k.pub"] } } } }"#)
        let off = try config(
            #"{ "verify": { "identities": [{ "issuer": "i", "subject": "s" }], "containers": { "dev": { "mode": "off", "identities": [] } } } }"#)
        #expect(off.verify.effective(for: "dev").mode == .off)
    }

    @Test("the shipped images are enforced by the release workflow's identity by default; other images are not")
    func shippedDefault() throws {
        let base = try ImageReference(parsing: Self.shippedBase)
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev@sha256:" + String(repeating: "a", count: 64))
        let none = try config("{}")
        for image in [base, dev] {
            let effective = none.verify.effective(for: "base", image: image)
            #expect(effective.mode == .enforce)
            #expect(effective.identities == [VerifyPolicy.shippedIdentity])
            #expect(effective.keys.isEmpty)
        }
        // One identity for shipped images and CLI archives alike (self-update's).
        #expect(VerifyPolicy.shippedIdentity == ArchiveSignaturePolicy.releaseWorkflowIdentity(repository: "hyphagroup/oubliette"))
        #expect(VerifyPolicy.shippedIdentity.issuer == Self.actions)
        #expect(VerifyPolicy.shippedIdentity.repository == "hyphagroup/oubliette" && VerifyPolicy.shippedIdentity.ref == "refs/tags/v*")
        // Custom images (the bed's busybox fixtures, a mirror under another name) keep the configured policy.
        let custom = try ImageReference(parsing: "127.0.0.1:5000/oubliette-test/busybox:1")
        #expect(none.verify.effective(for: "base", image: custom).mode == .off)
        #expect(none.verify.effective(for: "base", image: try ImageReference(parsing: "ghcr.io/someone/oubliette-base:latest")).mode == .off)
        // Keys configured: shipped images pass by key or by the release identity.
        let keyed = try config(#"{ "verify": { "keys": ["/k.pub"] } }"#).verify.effective(for: "base", image: base)
        #expect(keyed.mode == .enforce && keyed.keys == ["/k.pub"] && keyed.identities == [VerifyPolicy.shippedIdentity])
        // Turning it off or down is a mode, globally or for the type.
        #expect(try config(#"{ "verify": { "mode": "off" } }"#).verify.effective(for: "base", image: base).mode == .off)
        #expect(try config(#"{ "verify": { "containers": { "base": { "mode": "warn" } } } }"#).verify.effective(for: "base", image: base).mode == .warn)
    }

    @Test("the shipped identity accepts what the release workflow is issued for a v* tag, and nothing else of the project")
    func shippedIdentityMatchesTheReleaseWorkflow() async throws {
        let authority = try TestSigstoreAuthority()
        let verifier = BundleVerifier(trustedRoot: try TrustedRoot(json: authority.trustedRootJSON))
        let digest = "sha256:" + String(repeating: "d", count: 64)
        func check(_ identity: TestSigningIdentity) async -> String? {
            do {
                let bundle = try authority.bundle(forDigest: digest, identity: identity, kind: .inTotoStatement())
                _ = try await verifier.verify(
                    bundleJSON: bundle, artifact: .sha256(Array(repeating: 0xDD, count: 32)), signer: .identity(VerifyPolicy.shippedIdentity))
                return nil
            } catch { return (error as? BundleVerificationError)?.check ?? "\(error)" }
        }
        #expect(await check(.githubWorkflow(repository: "hyphagroup/oubliette", workflow: ".github/workflows/release.yml", ref: "refs/tags/v1.2.3")) == nil)
        #expect(
            await check(.githubWorkflow(repository: "hyphagroup/oubliette", workflow: ".github/workflows/release.yml", ref: "refs/heads/main")) == "identity")
        #expect(await check(.githubWorkflow(repository: "hyphagroup/oubliette", workflow: ".github/workflows/ci.yml", ref: "refs/tags/v1.2.3")) == "identity")
        #expect(await check(.githubWorkflow(repository: "hyphagroup/oubliette-fork", ref: "refs/tags/v1.2.3")) == "identity")
    }

    // MARK: - The pull-time check by identity, against a GitHub attestation in a fake registry

    static let attestWorkflow =
        #"{ "issuer": "https://token.actions.githubusercontent.com", "subject_pattern": "https://github\\.com/github/artifact-attestations-workflows/\\.github/workflows/attest\\.yml@.*", "repository": "malancas/attest-demo" }"#

    /// An image whose manifest digest is the attested subject's (the subject file served as the manifest).
    static func attested(withBundle: Bool) async throws -> (FakeRegistry, ImageReference) {
        let registry = try await FakeRegistry.start()
        let bytes = try [UInt8](Data(contentsOf: fixtures.appendingPathComponent("reusable-workflow-artifact")))
        let digest = registry.seedManifest(bytes, mediaType: MediaType.ociManifest, repository: "ns/app", tag: "v1")
        if withBundle {
            try await SigstoreBundleAttacher(client: RegistryClient(registry: registry.address)).attach(
                bundle: try Data(contentsOf: fixtures.appendingPathComponent("reusable-workflow-attestation.sigstore.json")),
                mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
                subject: Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count)), repository: try RepositoryName("ns/app"))
        }
        return (registry, try ImageReference(parsing: "\(registry.address)/ns/app:v1"))
    }

    static let registries = RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [String]())

    @Test("enforce by identity: the attested image verifies and the record says who signed")
    func verifiesByIdentity() async throws {
        try await withFixture(try await Self.attested(withBundle: true), tearDown: { await $0.0.shutdown() }) { registry, reference throws in
            let checked = try config(#"{ "verify": { "identities": [\#(Self.attestWorkflow)] } }"#)
            let record = try await ImageSignatureCheck(config: checked, registries: Self.registries, warn: { _ in }).check(type: "custom", reference: reference)
            #expect(record.status == .verified)
            #expect(record.identity?.hasPrefix("https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@") == true)
            #expect(record.identity?.hasSuffix("(issuer \(Self.actions))") == true)
            #expect(record.source?.hasPrefix("referrer sha256:") == true)
            #expect(record.signer == record.identity)
            #expect(record.summary.contains("keyless: https://github.com/github/artifact-attestations-workflows"))
        }
    }

    @Test("enforce by identity refuses another identity and a missing bundle, naming image, expected identity and what was found")
    func refusesByIdentity() async throws {
        try await withFixture(try await Self.attested(withBundle: true), tearDown: { await $0.0.shutdown() }) { registry, reference throws in
            let other = try config(
                #"{ "verify": { "identities": [{ "issuer": "https://token.actions.githubusercontent.com", "subject": "https://github.com/me/img/.github/workflows/release.yml@refs/tags/v1" }] } }"#
            )
            do {
                _ = try await ImageSignatureCheck(config: other, registries: Self.registries, warn: { _ in }).check(type: "custom", reference: reference)
                Issue.record("accepted another identity")
            } catch {
                #expect("\(error)".contains("refusing to pull \(reference)"), "\(error)")
                #expect("\(error)".contains("identity subject https://github.com/me/img/.github/workflows/release.yml@refs/tags/v1"), "\(error)")
                #expect("\(error)".contains("signed by https://github.com/github/artifact-attestations-workflows/"), "\(error)")
            }

            try await withFixture(try await Self.attested(withBundle: false), tearDown: { await $0.0.shutdown() }) { bare, unsigned throws in
                let checked = try config(#"{ "verify": { "identities": [\#(Self.attestWorkflow)] } }"#)
                do {
                    _ = try await ImageSignatureCheck(config: checked, registries: Self.registries, warn: { _ in }).check(type: "custom", reference: unsigned)
                    Issue.record("accepted an image without a bundle")
                } catch {
                    #expect("\(error)".contains("refusing to pull \(unsigned)"), "\(error)")
                    #expect("\(error)".contains("no keyless signature or attestation found"), "\(error)")
                    #expect("\(error)".contains("artifact-attestations-workflows"), "\(error)")
                }
                // Only signature material was read: no blob but the (absent) bundles was fetched.
                #expect(bare.requests("GET", containing: "/blobs/").isEmpty)
            }
        }
    }
}
