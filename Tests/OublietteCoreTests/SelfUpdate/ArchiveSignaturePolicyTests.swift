import OublietteCore
import SigstoreVerification
import Testing

/// The identity self-update requires of an archive's bundle: this repository's release
/// workflow on a v* tag, nothing looser.
@Suite("Archive signature policy")
struct ArchiveSignaturePolicyTests {
    static let policy = ArchiveSignaturePolicy.releaseWorkflowIdentity(repository: "hyphagroup/oubliette")

    static func identity(_ san: String, repository: String = "https://github.com/hyphagroup/oubliette", ref: String = "refs/tags/v1.2.3")
        -> FulcioIdentity
    {
        FulcioIdentity(
            subject: san, issuer: "https://token.actions.githubusercontent.com", sourceRepositoryURI: repository, sourceRepositoryRef: ref)
    }

    @Test("the release workflow on any v* tag is accepted")
    func releaseWorkflowAccepted() throws {
        for tag in ["v1.2.3", "v10.0.0-rc.1"] {
            try Self.policy.check(
                Self.identity("https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/\(tag)", ref: "refs/tags/\(tag)"))
        }
    }

    @Test(
        "another workflow, ref, repository, issuer or a look-alike is refused",
        arguments: [
            identity("https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/heads/main", ref: "refs/heads/main"),
            identity("https://github.com/hyphagroup/oubliette/.github/workflows/ci.yml@refs/tags/v1.2.3"),
            identity("https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v"),
            identity("https://github.com/hyphagroup/oubliette-fork/.github/workflows/release.yml@refs/tags/v1.2.3"),
            identity("https://githubXcom/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v1.2.3"),
            identity(
                "https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v1.2.3",
                repository: "https://github.com/someone/oubliette"),
            FulcioIdentity(
                subject: "https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v1.2.3", issuer: "https://accounts.google.com",
                sourceRepositoryURI: "https://github.com/hyphagroup/oubliette", sourceRepositoryRef: "refs/tags/v1.2.3"),
        ])
    func othersRefused(_ identity: FulcioIdentity) {
        #expect(throws: BundleVerificationError.self) { try Self.policy.check(identity) }
    }

    @Test("the repository follows a GitHub releases API URL, else is this project's")
    func repositoryFromReleasesURL() {
        #expect(ArchiveSignaturePolicy.repository(forReleasesAt: ReleaseCatalog.defaultBaseURL) == "hyphagroup/oubliette")
        #expect(ArchiveSignaturePolicy.repository(forReleasesAt: "https://api.github.com/repos/fork/oubliette") == "fork/oubliette")
        #expect(ArchiveSignaturePolicy.repository(forReleasesAt: "http://127.0.0.1:8080") == "hyphagroup/oubliette")
        for other in [
            "https://mirror.example/api.github.com/repos/x/y", "https://api.github.com/repos/x", "https://api.github.com/repos/x/y/z",
            "http://api.github.com/repos/x/y",
        ] {
            #expect(ArchiveSignaturePolicy.repository(forReleasesAt: other) == "hyphagroup/oubliette", "\(other)")
        }
    }
}
