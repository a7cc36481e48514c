import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import ImageInventory
import OCIDistribution
import ReleaseKit
import SystemSupport

/// How `sbom` and `scan` find an image: a registry reference (copied into a temporary OCI
/// layout first, compressed layers only, nothing extracted) or an OCI layout directory.
struct ImageInventoryOptions: ParsableArguments {
    @Option(help: "Platform of a multi-platform image, os/arch[/variant] (default: the host's, else the only one).")
    var platform: String?

    @Option(name: .customLong("insecure-registry"), help: "Reach this registry (host[:port]) over plain HTTP. Repeatable.")
    var insecureRegistries: [String] = []

    /// `REF`, `docker://REF` or `oci:DIR[:TAG]`.
    static func location(_ text: String) throws -> ImageLocation {
        let spelled = text.hasPrefix("oci:") || text.hasPrefix("docker://") ? text : "docker://\(text)"
        do { return try ImageLocation(parsing: spelled) } catch { throw ValidationError(error.description) }
    }

    /// Reads the image's inventory; a registry image is copied into a temporary layout that
    /// is removed afterwards.
    func read(_ text: String) async throws -> (ImageSubject, Inventory) {
        let location = try Self.location(text)
        switch location {
        case let .ociLayout(directory, tag):
            let reader = try ImageLayoutReader(directory: directory)
            return try reader.read(tag: tag, platform: platform, name: text)
        case let .registry(reference):
            let copier = ReleaseToolServices.forCommand(insecureRegistries: insecureRegistries).copier()
            return try await withTemporaryDirectory(prefix: "release-tool-inventory-") { temporary in
                _ = try await copier.copy(from: location, to: .ociLayout(directory: temporary, tag: "inventory"))
                let reader = try ImageLayoutReader(directory: temporary)
                return try reader.read(tag: "inventory", platform: platform, name: reference.description)
            }
        }
    }
}
