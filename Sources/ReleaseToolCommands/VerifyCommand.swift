import ArgumentParser
import CommandSupport
import Foundation
import ImageSigning
import OCIDistribution
import ReleaseKit
import SystemSupport

struct VerifyCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a cosign key signature covers an image digest (exit 0 only then).",
        discussion: """
            Reads REPOSITORY:sha256-<hex>.sig (nothing is pulled) and accepts when a signature \
            verifies with one of the keys AND its payload names this digest AND this repository. \
            On failure the message says which check failed: no signature, not a signature \
            manifest, bad signature, wrong key, other digest, other repository.
            """)

    @Argument(help: "REGISTRY/REPOSITORY[:TAG|@DIGEST]")
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Public key (PKIX PEM, e.g. cosign.pub); repeatable, any one may match.", valueName: "FILE.pub"))
    var key: [String] = []

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

    func execute() async throws {
        let keys = try SigningOptions.publicKeys(key)
        let parsed = try ImageReference(parsing: reference)
        let client = SigningOptions.client(for: parsed, insecureRegistries: insecureRegistries)
        let pinned = try await SigningOptions.pinned(parsed, client: client)
        guard let digest = pinned.digest else { return }
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
}
