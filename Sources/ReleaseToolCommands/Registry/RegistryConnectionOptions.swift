import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import ReleaseKit

/// Options every registry subcommand shares.
struct RegistryConnectionOptions: ParsableArguments {
    @Option(name: .customLong("insecure-registry"), help: "Reach this registry (host[:port]) over plain HTTP. Repeatable.")
    var insecureRegistries: [String] = []

    /// The command's root; build it once per command.
    func services() -> ReleaseToolServices { ReleaseToolServices.forCommand(insecureRegistries: insecureRegistries) }

    func reference(_ text: String) throws -> ImageReference {
        let trimmed = text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
        do { return try ImageReference(parsing: trimmed) } catch {
            throw ValidationError(error.description)
        }
    }
}
