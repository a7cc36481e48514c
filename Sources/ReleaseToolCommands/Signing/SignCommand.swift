import ArgumentParser
import CommandSupport
import Foundation
import ImageSigning
import OCIDistribution
import ReleaseKit
import SystemSupport

struct SignCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an image digest with a cosign key and store the signature beside it.",
        discussion: """
            Signs the simple-signing payload cosign uses (docker-reference = the repository, \
            docker-manifest-digest = the digest) with ECDSA P-256, and appends it to the \
            REPOSITORY:sha256-<hex>.sig manifest (also as an OCI 1.1 referrer when the registry \
            has the referrers API). A tag is resolved to its digest first. Signing an index signs \
            the index; --recursive also signs each platform manifest. A signature by the same key \
            over the same payload is not added twice.
            """)

    @Argument(help: "REGISTRY/REPOSITORY[:TAG|@DIGEST]")
    var reference: String

    @Option(name: .long, help: ArgumentHelp("Private key file (cosign format).", valueName: "FILE"))
    var key: String?

    @Option(name: .customLong("key-env"), help: ArgumentHelp("Environment variable holding the private key's PEM text.", valueName: "VAR"))
    var keyEnvironment: String?

    @Flag(name: .long, help: "Also sign every manifest an index lists.")
    var recursive = false

    @Option(name: [.customShort("a"), .long], help: ArgumentHelp("KEY=VALUE for the payload's optional section; repeatable.", valueName: "KEY=VALUE"))
    var annotation: [String] = []

    @Option(name: .customLong("insecure-registry"), help: "Registry to reach over plain HTTP (loopback registries always are); repeatable.")
    var insecureRegistries: [String] = []

    @Flag(name: .long, help: "Print what was signed as JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let source = try SigningOptions.keySource(key: key, keyEnvironment: keyEnvironment)
        let signingKey = try source.load()
        var annotations: [String: String] = [:]
        for item in annotation {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else { throw ValidationError("--annotation needs KEY=VALUE, got '\(item)'") }
            annotations[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        let parsed = try ImageReference(parsing: reference)
        let client = await SigningOptions.client(for: parsed, insecureRegistries: insecureRegistries)
        let pinned = try await SigningOptions.pinned(parsed, client: client)
        let signer = ImageSigner(key: signingKey, client: client)
        var outcomes = [try await signer.sign(pinned, annotations: annotations.isEmpty ? nil : annotations)]
        if recursive, let digest = pinned.digest {
            let manifest = try await client.manifest(repository: pinned.repositoryName, reference: .digest(digest))
            if manifest.isIndex {
                for child in try manifest.imageIndex().manifests {
                    outcomes.append(try await signer.sign(pinned.withDigest(child.digest), annotations: annotations.isEmpty ? nil : annotations))
                }
            }
        }
        if json {
            try Output.json(outcomes)
        } else {
            for outcome in outcomes {
                Output.line(
                    "\(outcome.image)@\(outcome.digest): \(outcome.added ? "signed" : "already signed by this key") (\(outcome.image):\(outcome.signatureTag))"
                )
            }
        }
    }
}
