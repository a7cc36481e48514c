import ContainerRuntimes
import Foundation
import ImageSigning
import OCIDistribution
import OublietteCore
import SigstoreTestSupport
import SigstoreVerification
import TestSupport
import Testing

/// Keyless enforcement end to end on the bed: images pushed to the real registry
/// (distribution 2.8, no referrers API, so bundles go in the `sha256-<hex>` tag-schema index as
/// actions/attest writes them there), bundles made by the test Sigstore authority, pulls by
/// oubliette's image manager into the real dockerd, and release-tool verify over the same images.
@Suite(
    "Keyless enforce by identity (real registry and dockerd, test Sigstore authority)", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized,
    .timeLimit(.minutes(5)))
struct KeylessEnforceIntegrationTests {
    let bed = TestBed.required
    static let release = TestSigningIdentity.githubWorkflow(repository: "oubliette-test/images", ref: "refs/tags/v1.4.0")
    static let identityJSON =
        #"{ "issuer": "https://token.actions.githubusercontent.com", "subject_pattern": "https://github\\.com/oubliette-test/images/\\.github/workflows/release\\.yml@refs/tags/v.*", "repository": "oubliette-test/images", "ref": "refs/tags/v*" }"#

    struct Setup {
        let manager: ImageManager
        let provenance: ProvenanceStore
        let runtime: CountingRuntime
        let docker: DockerRuntime
        let rootFile: URL
    }

    func setup(image: String, authority: TestSigstoreAuthority) throws -> Setup {
        let home = try bed.makeTemporaryDirectory("keyless")
        let rootFile = home.appendingPathComponent("trusted_root.json")
        try authority.trustedRootJSON.write(to: rootFile)
        let config = try OublietteConfig(
            parsing:
                #"{ "containers": { "custom": "\#(image)" }, "verify": { "mode": "enforce", "identities": [\#(Self.identityJSON)], "trusted_root": "trusted_root.json" } }"#,
            file: home.appendingPathComponent("oubliette.jsonc").path, catalogue: .shipped, devMode: false)
        let docker = try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
        // Records every pull the engine is asked for.
        let runtime = CountingRuntime(docker)
        let provenance = ProvenanceStore(dataDirectory: home.appendingPathComponent("data"))
        let registries = RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [bed.registry])
        let manager = ImageManager(
            config: config, runtime: runtime, provenance: provenance,
            signatureCheck: ImageSignatureCheck(config: config, registries: registries, warn: { _ in }))
        return Setup(manager: manager, provenance: provenance, runtime: runtime, docker: docker, rootFile: rootFile)
    }

    /// Pushes an image and, when `identity` is given, attaches the authority's in-toto bundle for its digest.
    @discardableResult
    func pushImage(_ name: String, identity: TestSigningIdentity?, authority: TestSigstoreAuthority) async throws -> (ImageReference, String, Data?) {
        let image = "\(bed.registry)/keyless/\(name)-\(UUID().uuidString.prefix(8).lowercased()):1"
        let digest = try await TestImages.push(image, version: "v1.4.0", marker: name, bed: bed)
        let reference = try ImageReference(parsing: image)
        var attached: Data?
        if let identity {
            let client = RegistryClient(
                registry: bed.registry, credentials: ChainedCredentials([]), security: .forRegistry(bed.registry, insecureRegistries: []))
            let subject = try #require(try await client.manifestDescriptor(repository: reference.repositoryName, reference: .digest(try Digest(digest))))
            let bundle = try authority.bundle(forDigest: digest, identity: identity, kind: .inTotoStatement(subjectName: reference.name))
            try await SigstoreBundleAttacher(client: client).attach(
                bundle: bundle, mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", subject: subject, repository: reference.repositoryName,
                annotations: ["dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"])
            attached = bundle
        }
        return (reference, digest, attached)
    }

    func releaseTool(_ arguments: [String]) async throws -> ToolResult {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        return try await ToolRunner.run(binary.path, arguments, check: false)
    }

    @Test("an image attested by the release identity is pulled under enforce, by the verified digest; the record says who signed")
    func attestedImageIsPulled() async throws {
        let authority = try TestSigstoreAuthority()
        let (reference, digest, _) = try await pushImage("attested", identity: Self.release, authority: authority)
        let setup = try setup(image: reference.description, authority: authority)

        let ensured = try await setup.manager.ensureImage(type: "custom")
        #expect(ensured.pulled)
        #expect(setup.runtime.pulled == ["\(reference.registry)/\(reference.repository)@\(digest)"], "pulled by the verified digest")
        let record = try #require(try await setup.provenance.all()[reference.description]?.signature)
        #expect(record.status == .verified)
        #expect(record.digest == digest)
        #expect(
            record.identity
                == "https://github.com/oubliette-test/images/.github/workflows/release.yml@refs/tags/v1.4.0 (issuer https://token.actions.githubusercontent.com)"
        )
        #expect(record.source?.hasPrefix("referrer sha256:") == true)

        // release-tool verify by identity on the same image, with the test root.
        let verified = try await releaseTool([
            "verify", "--json", "--certificate-identity", Self.release.subject, "--certificate-oidc-issuer", TestSigningIdentity.githubIssuer,
            "--certificate-github-workflow-repository", "oubliette-test/images", "--certificate-github-workflow-ref", "refs/tags/v*",
            "--trusted-root", setup.rootFile.path, reference.description,
        ])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains(#""verified" : true"#), "\(verified.stdout)")
        #expect(verified.stdout.contains(#""kind" : "referrer""#), "\(verified.stdout)")
        // Without the test root (the shipped public-good one) the same bundle is refused.
        let publicGood = try await releaseTool([
            "verify", "--json", "--certificate-identity", Self.release.subject, "--certificate-oidc-issuer", TestSigningIdentity.githubIssuer,
            reference.description,
        ])
        #expect(publicGood.status != 0)
        #expect(publicGood.stdout.contains(#""failed_check" : "tlog-entry""#), "\(publicGood.stdout)")
    }

    @Test(
        "no bundle, or a bundle by another identity: refused before any download, naming image, expected identity and what was found",
        arguments: ["unsigned", "other-identity"])
    func refusedBeforeDownload(_ variant: String) async throws {
        let authority = try TestSigstoreAuthority()
        let other = TestSigningIdentity.githubWorkflow(repository: "someone/else", ref: "refs/heads/main")
        let (reference, digest, _) = try await pushImage(variant, identity: variant == "unsigned" ? nil : other, authority: authority)
        let setup = try setup(image: reference.description, authority: authority)

        do {
            _ = try await setup.manager.ensureImage(type: "custom")
            Issue.record("pulled \(variant) under enforce")
        } catch {
            let text = "\(error)"
            #expect(text.contains("refusing to pull \(reference)"), "\(text)")
            #expect(text.contains(digest), "\(text)")
            #expect(text.contains("identity subject matching https://github\\.com/oubliette-test/images/"), "\(text)")
            if variant == "unsigned" {
                #expect(text.contains("no keyless signature or attestation found"), "\(text)")
            } else {
                #expect(text.contains("signed by https://github.com/someone/else/.github/workflows/release.yml@refs/heads/main"), "\(text)")
            }
        }
        #expect(setup.runtime.pulled.isEmpty, "the engine was never asked to pull")
        #expect(try await !setup.docker.imageExists(reference), "dockerd has no such image")
        #expect(try await !setup.docker.imageExists(reference.withDigest(try Digest(digest))))
    }

    /// $OUBLIETTE_TOOLS_VENV (scripts/test exports it; scripts/python-tools makes it).
    static var python: String? {
        guard let venv = ProcessInfo.processInfo.environment["OUBLIETTE_TOOLS_VENV"], FileManager.default.isExecutableFile(atPath: "\(venv)/bin/python")
        else { return nil }
        return "\(venv)/bin/python"
    }

    @Test(
        "sigstore-python (independent) accepts the bundle attached to the bed image, for its digest, with the test root; refuses another identity",
        .enabled(if: python != nil, "OUBLIETTE_TOOLS_VENV unset"))
    func independentVerifierAgrees() async throws {
        let authority = try TestSigstoreAuthority()
        let (_, digest, attached) = try await pushImage("python", identity: Self.release, authority: authority)
        let directory = try bed.makeTemporaryDirectory("keyless-python")
        let root = directory.appendingPathComponent("trusted_root.json")
        let bundle = directory.appendingPathComponent("bundle.sigstore.json")
        try authority.trustedRootJSON.write(to: root)
        try #require(attached).write(to: bundle)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/sigstore_verify_python.py")
        func verdict(_ identity: String) async throws -> String {
            try await ToolRunner.run(
                try #require(Self.python), [script.path, root.path, bundle.path, digest, identity, TestSigningIdentity.githubIssuer]
            ).trimmedStdout
        }
        #expect(try await verdict(Self.release.subject) == "verified")
        #expect(try await verdict("https://github.com/someone/else/.github/workflows/release.yml@refs/heads/main").hasPrefix("refused"))
    }
}
