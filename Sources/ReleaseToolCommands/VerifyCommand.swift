import ArgumentParser
import CommandSupport
import Foundation
import ImageSigning
import OCIDistribution
import ReleaseKit
import SigstoreVerification
import SystemSupport

struct VerifyCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a signature covers an image digest: by cosign key, or keylessly by signer identity (exit 0 only then).",
        discussion: """
            With --key: reads REPOSITORY:sha256-<hex>.sig (nothing is pulled) and accepts when a signature \
            verifies with one of the keys AND its payload names this digest AND this repository. \
            With --certificate-identity (or -regexp) and --certificate-oidc-issuer: finds the image's \
            Sigstore bundles (OCI referrers, or the sha256-<hex> tag-schema index, as actions/attest \
            push-to-registry writes them; cosign's keyless .sig/.att layers) and accepts when one \
            verifies offline against the trusted root for that identity AND binds this digest (in-toto \
            subject, signed manifest, or simple-signing payload naming digest and repository). \
            On failure the message says which check failed.
            """)

    @Argument(help: "REGISTRY/REPOSITORY[:TAG|@DIGEST]")
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Public key (PKIX PEM, e.g. cosign.pub); repeatable, any one may match.", valueName: "FILE.pub"))
    var key: [String] = []

    @Option(name: .customLong("certificate-identity"), help: "Keyless: the signer's identity the certificate's SAN must equal.")
    var certificateIdentity: String?

    @Option(name: .customLong("certificate-identity-regexp"), help: "Keyless: a regular expression the whole SAN must match.")
    var certificateIdentityRegexp: String?

    @Option(name: .customLong("certificate-oidc-issuer"), help: "Keyless: the OIDC issuer the certificate must name.")
    var certificateOIDCIssuer: String?

    @Option(name: .customLong("certificate-github-workflow-repository"), help: "Keyless: require this source repository (owner/name).")
    var repository: String?

    @Option(name: .customLong("certificate-github-workflow-ref"), help: "Keyless: require this git ref ('*' matches any run, e.g. refs/tags/v*).")
    var ref: String?

    @Option(
        name: .customLong("trusted-root"),
        help: ArgumentHelp("Keyless: a trusted_root.json to verify against (default: the shipped public-good root).", valueName: "FILE"))
    var trustedRoot: String?

    @Option(name: .customLong("insecure-registry"), help: "Registry to reach over plain HTTP (loopback registries always are); repeatable.")
    var insecureRegistries: [String] = []

    @Flag(name: .long, help: "Print what was checked as JSON (also on failure: {\"verified\":false,…}).")
    var json = false

    @OptionGroup var logging: LoggingOptions

    struct Failure: Encodable {
        let verified = false
        let image: String
        let failedCheck: String
        let error: String
    }

    struct Success: Encodable {
        let verified = true
        let result: SignatureVerifier.Verified
    }

    struct KeylessSuccess: Encodable {
        let verified = true
        let result: KeylessImageVerifier.Verified
    }

    var keyless: Bool { certificateIdentity != nil || certificateIdentityRegexp != nil || certificateOIDCIssuer != nil }

    func validate() throws {
        if keyless {
            guard key.isEmpty else { throw ValidationError("--key and --certificate-identity are exclusive: verify by key or by identity") }
            guard (certificateIdentity == nil) != (certificateIdentityRegexp == nil) else {
                throw ValidationError("give one of --certificate-identity or --certificate-identity-regexp")
            }
            guard certificateOIDCIssuer != nil else { throw ValidationError("--certificate-oidc-issuer is required with an identity") }
            if let certificateIdentityRegexp, (try? NSRegularExpression(pattern: certificateIdentityRegexp)) == nil {
                throw ValidationError("--certificate-identity-regexp '\(certificateIdentityRegexp)' is not a valid regular expression")
            }
        } else {
            guard !key.isEmpty else { throw ValidationError("give --key FILE.pub, or --certificate-identity and --certificate-oidc-issuer") }
            guard repository == nil, ref == nil, trustedRoot == nil else {
                throw ValidationError("--certificate-github-workflow-*, --trusted-root need --certificate-identity and --certificate-oidc-issuer")
            }
        }
    }

    func execute() async throws {
        let parsed = try ImageReference(parsing: reference)
        let client = SigningOptions.client(for: parsed, insecureRegistries: insecureRegistries)
        let pinned = try await SigningOptions.pinned(parsed, client: client)
        guard let digest = pinned.digest else { return }
        if keyless {
            try await verifyKeyless(pinned, digest: digest, client: client)
            return
        }
        let keys = try SigningOptions.publicKeys(key)
        let result: SignatureVerifier.Verified
        do {
            result = try await SignatureVerifier(keys: keys).verify(repository: pinned.repositoryName, digest: digest, client: client)
        } catch {
            if json { try Output.json(Failure(image: pinned.description, failedCheck: error.check, error: error.description)) }
            throw error
        }
        if json {
            try Output.json(Success(result: result))
        } else {
            Output.line("Verified \(result.image)@\(result.digest) with \(result.key):")
            for check in result.checks { Output.line("  - \(check)") }
        }
    }

    private func verifyKeyless(_ pinned: ImageReference, digest: Digest, client: RegistryClient) async throws {
        let root: TrustedRoot
        do {
            if let trustedRoot { root = try TrustedRoot(contentsOf: URL(fileURLWithPath: trustedRoot)) } else { root = try TrustedRoot.publicGood() }
        } catch {
            if json { try Output.json(Failure(image: pinned.description, failedCheck: error.check, error: error.description)) }
            throw error
        }
        let subject: IdentityPolicy.Subject = certificateIdentityRegexp.map { .pattern($0) } ?? .exact(certificateIdentity ?? "")
        let policy = IdentityPolicy(issuer: certificateOIDCIssuer ?? "", subject: subject, repository: repository, ref: ref)
        let result: KeylessImageVerifier.Verified
        do {
            result = try await KeylessImageVerifier(identities: [policy], trustedRoot: root).verify(
                repository: pinned.repositoryName, digest: digest, client: client)
        } catch {
            if json { try Output.json(Failure(image: pinned.description, failedCheck: error.check, error: error.description)) }
            throw error
        }
        if json {
            try Output.json(KeylessSuccess(result: result))
        } else {
            Output.line("Verified \(result.image)@\(result.digest) keylessly, signed by \(result.signer):")
            for check in result.checks { Output.line("  - \(check)") }
        }
    }
}
