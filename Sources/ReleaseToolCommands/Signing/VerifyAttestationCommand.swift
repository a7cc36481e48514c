import ArgumentParser
import CommandSupport
import Foundation
import ImageSigning
import OCIDistribution
import ReleaseKit
import SystemSupport

struct VerifyAttestationCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-attestation",
        abstract: "Check and print the in-toto attestations signed for an image digest.",
        discussion: """
            Reads REPOSITORY:sha256-<hex>.att, verifies each DSSE envelope's signature with the \
            keys, checks that the statement's subject is this digest, keeps those of --type, and \
            prints the statements (JSON lines, one per attestation). Exit 0 only when at least one \
            verifies. --type takes cosign's names (slsaprovenance = SLSA v1 or v0.2, \
            slsaprovenance1, spdxjson, cyclonedx, custom) or a predicate type URI.
            """)

    @Argument(help: "REGISTRY/REPOSITORY[:TAG|@DIGEST]")
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Public key (PKIX PEM); repeatable.", valueName: "FILE.pub"))
    var key: [String] = []

    @Option(name: .long, help: "Predicate type to require (default: any).")
    var type: String?

    @Option(name: .customLong("insecure-registry"), help: "Registry to reach over plain HTTP (loopback registries always are); repeatable.")
    var insecureRegistries: [String] = []

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let keys = try SigningOptions.publicKeys(key)
        let parsed = try ImageReference(parsing: reference)
        let client = await SigningOptions.client(for: parsed, insecureRegistries: insecureRegistries)
        let pinned = try await SigningOptions.pinned(parsed, client: client)
        guard let digest = pinned.digest else { return }
        let types = type.map(AttestationVerifier.predicateTypes(forShorthand:))
        let verified = try await AttestationVerifier(keys: keys).verify(repository: pinned.repositoryName, digest: digest, client: client, types: types)
        for attestation in verified {
            Output.line(String(decoding: attestation.statement, as: UTF8.self))
            Output.diagnostic("Verified \(attestation.predicateType) attestation of \(attestation.image)@\(attestation.digest) with \(attestation.key)")
        }
    }
}
