import Crypto
import Foundation
import SigstoreTestSupport
import SigstoreVerification
import SystemSupport
import Testing

/// Bundles made by the tests' own Sigstore instance (Tests/SigstoreTestSupport): our verifier,
/// `release-tool verify-bundle` through the conformance CLI protocol, and sigstore-python (the
/// independent verifier) all accept the good ones against the test root, and refuse the bad ones.
@Suite("Bundles from the test Sigstore authority")
struct TestAuthorityBundleTests {
    static let authority = Result { try TestSigstoreAuthority() }
    static let otherAuthority = Result { try TestSigstoreAuthority(name: "other-test") }
    static let archive = Data("oubliette-linux-x86_64.tar.gz stand-in\n".utf8) + Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    static let imageDigest = "sha256:" + SHA256.hash(data: Data("an image manifest".utf8)).map { String(format: "%02x", $0) }.joined()
    static let release = TestSigningIdentity.githubWorkflow()
    /// The release workflow's identity as self-update asks for it: any v* tag of the repository.
    static let releasePolicy = IdentityPolicy(
        issuer: TestSigningIdentity.githubIssuer,
        subject: .pattern(#"https://github\.com/hyphagroup/oubliette/\.github/workflows/release\.yml@refs/tags/v.*"#),
        repository: "hyphagroup/oubliette", ref: "refs/tags/v*", trigger: "push")

    /// A bundle and what it is checked against: the archive bytes or a `sha256:` digest.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bundle: Data
        var file: Data?
        var digest: String?
        var root: Data
        /// The check a bad case must fail (nil: it verifies).
        var failedCheck: String?
        var testDescription: String { name }

        var artifact: BundleArtifact {
            if let file { return .bytes([UInt8](file)) }
            let hex = String((digest ?? "").dropFirst(7))
            return .sha256(stride(from: 0, to: hex.count, by: 2).compactMap { UInt8(String(Array(hex)[$0..<$0 + 2]), radix: 16) })
        }
    }

    static func goodCases() throws -> [Case] {
        let authority = try authority.get()
        let root = authority.trustedRootJSON
        var cases: [Case] = []
        for version in TestBundleOptions.Version.allCases {
            let options = TestBundleOptions(version: version)
            cases.append(Case(name: "file v\(version.rawValue)", bundle: try authority.bundle(forFile: archive, options: options), file: archive, root: root))
            cases.append(
                Case(
                    name: "image statement v\(version.rawValue)",
                    bundle: try authority.bundle(
                        forDigest: imageDigest, kind: .inTotoStatement(subjectName: "ghcr.io/hyphagroup/oubliette-base"), options: options),
                    digest: imageDigest, root: root))
        }
        cases.append(Case(name: "file digest signature", bundle: try authority.bundle(forFile: archive), digest: sha256(archive), root: root))
        cases.append(Case(name: "file statement", bundle: try authority.bundle(forFile: archive, kind: .inTotoStatement()), file: archive, root: root))
        return cases
    }

    static func badCases() throws -> [Case] {
        let authority = try authority.get()
        let root = authority.trustedRootJSON
        var cases: [Case] = []
        let kinds: [(String, TestBundleKind)] = [("signature", .messageSignature), ("statement", .inTotoStatement())]
        for (label, kind) in kinds {
            func make(_ identity: TestSigningIdentity = release, _ options: TestBundleOptions = TestBundleOptions()) throws -> Data {
                try authority.bundle(forFile: archive, identity: identity, kind: kind, options: options)
            }
            cases += [
                Case(
                    name: "\(label): a person's email identity", bundle: try make(.email("someone@example.com")), file: archive, root: root,
                    failedCheck: "identity"),
                Case(
                    name: "\(label): the release workflow on a branch", bundle: try make(.githubWorkflow(ref: "refs/heads/main")), file: archive, root: root,
                    failedCheck: "identity"),
                Case(
                    name: "\(label): another repository's release workflow", bundle: try make(.githubWorkflow(repository: "someone/oubliette")), file: archive,
                    root: root, failedCheck: "identity"),
                Case(
                    name: "\(label): certificate expired at log time", bundle: try make(release, TestBundleOptions(certificateExpiredAtLogTime: true)),
                    file: archive, root: root, failedCheck: "certificate-validity"),
                Case(
                    name: "\(label): tampered inclusion proof", bundle: try make(release, TestBundleOptions(tamperedInclusionProof: true)), file: archive,
                    root: root, failedCheck: "inclusion-proof"),
                Case(
                    name: "\(label): wrong trusted root", bundle: try make(), file: archive, root: try otherAuthority.get().trustedRootJSON,
                    failedCheck: "tlog-entry"),
                Case(name: "\(label): another file", bundle: try make(), file: archive + Data([0x0A]), root: root, failedCheck: "artifact-digest"),
            ]
        }
        return cases
    }

    static func sha256(_ data: Data) -> String { "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @Test("our verifier accepts every good bundle and reports the release workflow's identity", arguments: try goodCases())
    func goodBundleVerifies(_ testCase: Case) async throws {
        let verifier = BundleVerifier(trustedRoot: try TrustedRoot(json: testCase.root))
        let result = try await verifier.verify(bundleJSON: testCase.bundle, artifact: testCase.artifact, signer: .identity(Self.releasePolicy))
        #expect(result.identity?.subject == Self.release.subject)
        #expect(result.identity?.issuer == TestSigningIdentity.githubIssuer)
        #expect(result.identity?.sourceRepositoryRef == "refs/tags/v1.2.3")
        #expect(result.identity?.buildSignerURI == Self.release.subject)
        #expect(result.logURL == "https://rekor.oubliette-test.test")
        #expect(result.verifiedTime == (try Self.authority.get()).createdAt.addingTimeInterval(-60))
    }

    @Test("our verifier refuses every bad bundle with the check that failed", arguments: try badCases())
    func badBundleRefused(_ testCase: Case) async throws {
        let verifier = BundleVerifier(trustedRoot: try TrustedRoot(json: testCase.root))
        let error = await #expect(throws: BundleVerificationError.self) {
            try await verifier.verify(bundleJSON: testCase.bundle, artifact: testCase.artifact, signer: .identity(Self.releasePolicy))
        }
        #expect(error?.check == testCase.failedCheck, "\(error.map { "\($0)" } ?? "verified")")
    }

    /// Writes the case's bundle, root and artifact into a fresh directory; returns the paths and
    /// the protocol's FILE_OR_DIGEST.
    static func files(_ testCase: Case) throws -> (bundle: String, root: String, target: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sigstore-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bundle = directory.appendingPathComponent("artifact.sigstore.json")
        let root = directory.appendingPathComponent("trusted_root.json")
        try testCase.bundle.write(to: bundle)
        try testCase.root.write(to: root)
        var target = testCase.digest ?? ""
        if let file = testCase.file {
            let artifact = directory.appendingPathComponent("artifact")
            try file.write(to: artifact)
            target = artifact.path
        }
        return (bundle.path, root.path, target, directory)
    }

    static func releaseToolVerdict(_ testCase: Case) async throws -> (exitCode: Int32, output: String) {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first (swift build --build-tests)")
        let paths = try files(testCase)
        defer { try? FileManager.default.removeItem(at: paths.directory) }
        // The sigstore-conformance CLI protocol, in its order, plus --json for the failed check.
        let arguments = [
            "verify-bundle", "--bundle", paths.bundle, "--certificate-identity", release.subject,
            "--certificate-oidc-issuer", TestSigningIdentity.githubIssuer, "--trusted-root", paths.root, "--json", paths.target,
        ]
        let output = try await ProcessRunner().run(ProcessRequest(binary.path, arguments, timeout: .seconds(60)))
        return (output.exitCode, output.combinedText)
    }

    @Test("release-tool verify-bundle accepts each good bundle through the CLI protocol with --trusted-root", arguments: try goodCases())
    func releaseToolAccepts(_ testCase: Case) async throws {
        let (exitCode, output) = try await Self.releaseToolVerdict(testCase)
        #expect(exitCode == 0, "\(output)")
        #expect(output.contains(#""verified" : true"#) || output.contains(#""verified":true"#), "\(output)")
    }

    @Test(
        "release-tool verify-bundle refuses each bad bundle, naming the check",
        arguments: try badCases().filter { !$0.name.contains("another repository") && !$0.name.contains("branch") })
    func releaseToolRefuses(_ testCase: Case) async throws {
        // (The exact --certificate-identity already refuses other refs and repositories; those
        // cases are in badBundleRefused, by the release-workflow pattern.)
        let (exitCode, output) = try await Self.releaseToolVerdict(testCase)
        #expect(exitCode != 0, "\(output)")
        #expect(output.contains("\(testCase.failedCheck ?? "?")"), "\(output)")
    }

    /// $OUBLIETTE_TOOLS_VENV (scripts/test exports it; scripts/python-tools makes it).
    static var python: String? {
        guard let venv = ProcessInfo.processInfo.environment["OUBLIETTE_TOOLS_VENV"], FileManager.default.isExecutableFile(atPath: "\(venv)/bin/python")
        else { return nil }
        return "\(venv)/bin/python"
    }

    static func pythonVerdict(_ testCase: Case) async throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/sigstore_verify_python.py")
        let paths = try files(testCase)
        defer { try? FileManager.default.removeItem(at: paths.directory) }
        let output = try await ProcessRunner().run(
            ProcessRequest(
                try #require(python), [script.path, paths.root, paths.bundle, paths.target, release.subject, TestSigningIdentity.githubIssuer],
                timeout: .seconds(120)))
        #expect(output.exitCode == 0, "\(output.stderrText)")
        return output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "sigstore-python 4.5.1 (independent) verifies each good bundle offline against the test root",
        .enabled(if: python != nil, "OUBLIETTE_TOOLS_VENV unset"),
        arguments: try goodCases())
    func independentVerifierAccepts(_ testCase: Case) async throws {
        #expect(try await Self.pythonVerdict(testCase) == "verified")
    }

    @Test(
        "sigstore-python 4.5.1 (independent) refuses each bad bundle", .enabled(if: python != nil, "OUBLIETTE_TOOLS_VENV unset"),
        arguments: try badCases().filter { !$0.name.contains("another repository") && !$0.name.contains("branch") })
    func independentVerifierRefuses(_ testCase: Case) async throws {
        let verdict = try await Self.pythonVerdict(testCase)
        #expect(verdict.hasPrefix("refused"), "\(verdict)")
    }
}
