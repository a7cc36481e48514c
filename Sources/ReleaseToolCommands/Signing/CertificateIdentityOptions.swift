import ArgumentParser
import Foundation
import SigstoreVerification

/// Who must have signed keylessly, with cosign's flag names (which the sigstore-conformance
/// CLI protocol uses too), and the trusted root to check against: shared by `verify` (images)
/// and `verify-bundle` (files).
struct CertificateIdentityOptions: ParsableArguments {
    @Option(name: .customLong("certificate-identity"), help: "The signer's identity the certificate's SAN must equal.")
    var identity: String?

    @Option(name: .customLong("certificate-identity-regexp"), help: "A regular expression the whole SAN must match (instead of --certificate-identity).")
    var identityRegexp: String?

    @Option(name: .customLong("certificate-oidc-issuer"), help: "The OIDC issuer the certificate must name.")
    var issuer: String?

    @Option(name: .customLong("certificate-github-workflow-repository"), help: "Require this source repository (owner/name).")
    var repository: String?

    @Option(name: .customLong("certificate-github-workflow-ref"), help: "Require this git ref ('*' matches any run, e.g. refs/tags/v*).")
    var ref: String?

    @Option(name: .customLong("certificate-github-workflow-trigger"), help: "Require this workflow trigger (push, release, …).")
    var trigger: String?

    @Option(
        name: .customLong("trusted-root"),
        help: ArgumentHelp("A trusted_root.json to verify against (default: the shipped public-good root).", valueName: "FILE"))
    var trustedRoot: String?

    /// Whether an identity was asked for at all (the command then verifies keylessly).
    var given: Bool { identity != nil || identityRegexp != nil || issuer != nil }

    /// Whether any option that only means something with an identity was given.
    var constraintsGiven: Bool { repository != nil || ref != nil || trigger != nil }

    /// One SAN form (exact or pattern, the pattern compiling) and an issuer.
    func validateIdentity() throws {
        guard (identity == nil) != (identityRegexp == nil) else {
            throw ValidationError("give one of --certificate-identity or --certificate-identity-regexp")
        }
        guard issuer != nil else { throw ValidationError("--certificate-oidc-issuer is required with an identity") }
        if let identityRegexp, (try? NSRegularExpression(pattern: identityRegexp)) == nil {
            throw ValidationError("--certificate-identity-regexp '\(identityRegexp)' is not a valid regular expression")
        }
    }

    /// The identity policy the options describe (call after ``validateIdentity()``).
    var policy: IdentityPolicy {
        let subject: IdentityPolicy.Subject = identityRegexp.map { .pattern($0) } ?? .exact(identity ?? "")
        return IdentityPolicy(issuer: issuer ?? "", subject: subject, repository: repository, ref: ref, trigger: trigger)
    }

    /// `--trusted-root FILE`, or the shipped public-good root.
    func loadTrustedRoot() throws(BundleVerificationError) -> TrustedRoot {
        if let trustedRoot { return try TrustedRoot(contentsOf: URL(fileURLWithPath: trustedRoot)) }
        return try TrustedRoot.publicGood()
    }
}
