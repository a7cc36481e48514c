import Foundation

/// Who a test Fulcio certificate says signed: its SAN, OIDC issuer and (for GitHub workflows)
/// the claims Fulcio copies into its extensions.
package struct TestSigningIdentity: Sendable, Equatable {
    package enum SubjectName: Sendable, Equatable {
        /// A workload identity (GitHub workflows: `https://github.com/OWNER/REPO/PATH@REF`).
        case uri(String)
        /// A person's identity.
        case email(String)
    }

    package var san: SubjectName
    package var issuer: String
    /// Fulcio's source repository URI (1.3.6.1.4.1.57264.1.12), e.g. `https://github.com/OWNER/REPO`.
    package var sourceRepositoryURI: String?
    /// Fulcio's source repository ref (1.3.6.1.4.1.57264.1.14), e.g. `refs/tags/v1.2.3`.
    package var sourceRepositoryRef: String?
    /// Fulcio's build signer URI (1.3.6.1.4.1.57264.1.9): the workflow file at its ref.
    package var buildSignerURI: String?
    /// Fulcio's build trigger (1.3.6.1.4.1.57264.1.20), e.g. `push`.
    package var buildTrigger: String?

    package init(
        san: SubjectName, issuer: String, sourceRepositoryURI: String? = nil, sourceRepositoryRef: String? = nil,
        buildSignerURI: String? = nil, buildTrigger: String? = nil
    ) {
        self.san = san
        self.issuer = issuer
        self.sourceRepositoryURI = sourceRepositoryURI
        self.sourceRepositoryRef = sourceRepositoryRef
        self.buildSignerURI = buildSignerURI
        self.buildTrigger = buildTrigger
    }

    /// The SAN's text (what `--certificate-identity` names).
    package var subject: String {
        switch san {
        case let .uri(value), let .email(value): return value
        }
    }

    package static let githubIssuer = "https://token.actions.githubusercontent.com"

    /// What Fulcio issues to a GitHub Actions job of `repository` (`owner/name`) running
    /// `workflow` at `ref`.
    package static func githubWorkflow(
        repository: String = "hyphagroup/oubliette", workflow: String = ".github/workflows/release.yml",
        ref: String = "refs/tags/v1.2.3", trigger: String = "push"
    ) -> TestSigningIdentity {
        let signer = "https://github.com/\(repository)/\(workflow)@\(ref)"
        return TestSigningIdentity(
            san: .uri(signer), issuer: githubIssuer, sourceRepositoryURI: "https://github.com/\(repository)",
            sourceRepositoryRef: ref, buildSignerURI: signer, buildTrigger: trigger)
    }

    /// A person signing with an email identity (no workflow claims).
    package static func email(_ address: String, issuer: String = "https://accounts.google.com") -> TestSigningIdentity {
        TestSigningIdentity(san: .email(address), issuer: issuer)
    }
}

/// What a test bundle signs.
package enum TestBundleKind: Sendable, Equatable {
    /// A message signature over the artifact's SHA-256 digest, logged as hashedrekord 0.0.1
    /// (what `cosign sign-blob --bundle` and sigstore-python's `sign` write).
    case messageSignature
    /// An in-toto Statement v1 in a DSSE envelope whose one subject carries the digest, logged as
    /// dsse 0.0.1 (what `actions/attest` writes; for an image, the subject is its manifest digest).
    case inTotoStatement(subjectName: String = "artifact", predicateType: String = "https://slsa.dev/provenance/v1")
}

/// How a test bundle is made, including the ways to make a bad one.
package struct TestBundleOptions: Sendable, Equatable {
    package enum Version: String, Sendable, CaseIterable {
        case v0_1 = "0.1"
        case v0_2 = "0.2"
        case v0_3 = "0.3"

        var mediaType: String {
            self == .v0_3 ? "application/vnd.dev.sigstore.bundle.v0.3+json" : "application/vnd.dev.sigstore.bundle+json;version=\(rawValue)"
        }
    }

    /// v0.3 carries the leaf in `certificate`; v0.1/v0.2 in `x509CertificateChain` (leaf only).
    package var version: Version
    /// The certificate's 10 minutes ended before the log's integrated time.
    package var certificateExpiredAtLogTime: Bool
    /// One hash of the inclusion proof is changed (root hash and checkpoint stay as signed).
    package var tamperedInclusionProof: Bool

    package init(version: Version = .v0_3, certificateExpiredAtLogTime: Bool = false, tamperedInclusionProof: Bool = false) {
        self.version = version
        self.certificateExpiredAtLogTime = certificateExpiredAtLogTime
        self.tamperedInclusionProof = tamperedInclusionProof
    }
}
