import ArgumentParser
import CommandSupport
import CosignKeyFiles
import Foundation
import ImageSigning
import ReleaseKit
import SystemSupport

struct KeysGenerate: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a cosign-compatible ECDSA P-256 key pair: PREFIX.key (encrypted) and PREFIX.pub.",
        discussion: """
            The private key is written as cosign writes it (PEM "ENCRYPTED SIGSTORE PRIVATE KEY": \
            scrypt N=32768 and nacl secretbox around PKCS#8), so `cosign sign --key` reads it; \
            the public key is PKIX PEM (what `cosign verify --key` and containers-policy.json \
            take). The password comes from COSIGN_PASSWORD, else a prompt (asked twice).
            """)

    @Option(name: .customLong("output-key-prefix"), help: "Path prefix of the two files.")
    var prefix = "cosign"

    @Flag(name: .long, help: "Overwrite existing files.")
    var force = false

    @Flag(name: .long, help: "Print the written paths and the key fingerprint as JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    struct Written: Encodable {
        let privateKey: String
        let publicKey: String
        let fingerprint: String
    }

    func execute() async throws {
        let privateURL = URL(fileURLWithPath: prefix + ".key"), publicURL = URL(fileURLWithPath: prefix + ".pub")
        for url in [privateURL, publicURL] where !force && FileManager.default.fileExists(atPath: url.path) {
            throw ValidationError("\(url.path) already exists; pass --force to overwrite it")
        }
        let password = try SigningKeySource.password(environment: ProcessInfo.processInfo.environment, confirm: true)
        let key = SigningKey.generate()
        try AtomicFile.write(Data(try key.encryptedPEM(password: password).utf8), to: privateURL, mode: 0o600)
        try AtomicFile.write(Data(key.verificationKey.pem.utf8), to: publicURL, mode: 0o644)
        let written = Written(privateKey: privateURL.path, publicKey: publicURL.path, fingerprint: key.verificationKey.fingerprint)
        if json {
            try Output.json(written)
        } else {
            Output.line("Private key written to \(written.privateKey)")
            Output.line("Public key written to \(written.publicKey) (\(written.fingerprint))")
        }
    }
}
