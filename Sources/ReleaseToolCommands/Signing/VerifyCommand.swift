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

    @OptionGroup(title: "Keyless (by signer identity)") var signer: CertificateIdentityOptions

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

    var keyless: Bool { signer.given }

    func validate() throws {
        if keyless {
            guard key.isEmpty else { throw ValidationError("--key and --certificate-identity are exclusive: verify by key or by identity") }
            try signer.validateIdentity()
        } else {
            guard !key.isEmpty else { throw ValidationError("give --key FILE.pub, or --certificate-identity and --certificate-oidc-issuer") }
            guard !signer.constraintsGiven, signer.trustedRoot == nil else {
                throw ValidationError("--certificate-github-workflow-*, --trusted-root need --certificate-identity and --certificate-oidc-issuer")
            }
        }
    }

    func execute() async throws {
        let parsed = try ImageReference(parsing: reference)
        let client = await SigningOptions.client(for: parsed, insecureRegistries: insecureRegistries)
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
        do { root = try signer.loadTrustedRoot() } catch {
            if json { try Output.json(Failure(image: pinned.description, failedCheck: error.check, error: error.description)) }
            throw error
        }
        let result: KeylessImageVerifier.Verified
        do {
            result = try await KeylessImageVerifier(identities: [signer.policy], trustedRoot: root).verify(
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
