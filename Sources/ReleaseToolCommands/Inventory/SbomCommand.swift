import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import ImageInventory
import OCIDistribution
import ReleaseKit
import SystemSupport

extension SBOMFormat: ExpressibleByArgument {}

/// `release-tool sbom`: the software bill of materials of an image, from its own layers.
struct SbomCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom",
        abstract: "Write an image's SBOM (SPDX 2.3 or CycloneDX 1.6 JSON) from its layers.",
        discussion: """
            Reads the image's layers (tar, gzip or zstd; whiteouts applied in order) without \
            extracting them, finds /etc/os-release and the package databases (dpkg \
            var/lib/dpkg/status and status.d/, apk lib/apk/db/installed), and writes one \
            package per installed package (name, version, architecture, source package, \
            maintainer, purl, licenses from DEP-5 copyright files) under the image itself, \
            named by its manifest digest. An image without a package database gets an SBOM \
            that says so, not an error.
            Examples:
              release-tool sbom ghcr.io/acme/base:1.4.0 > base.spdx.json
              release-tool sbom oci:build/base:1.4.0 --format cyclonedx-json --output base.cdx.json
              release-tool sbom 127.0.0.1:5000/base:1 --platform linux/arm64 --insecure-registry 127.0.0.1:5000
              release-tool sbom --attached ghcr.io/acme/base:1.4.0   # the SBOM publish attached (SPDX)
            The attached SBOM's signature is not checked here: use \
            `release-tool verify-attestation --type spdx --key KEY IMAGE` for that.
            """
    )

    @Argument(help: "The image: REGISTRY/REPO[:TAG|@DIGEST] (or docker://…) or oci:DIR[:TAG].")
    var image: String

    @Option(help: "spdx-json or cyclonedx-json.")
    var format: SBOMFormat = .spdxJSON

    @Option(help: "Write the document to this file (atomically) instead of stdout.")
    var output: String?

    @Flag(help: "Fetch the SPDX SBOM `publish` attached to the image (an attestation) instead of reading the layers.")
    var attached = false

    @OptionGroup var source: ImageInventoryOptions

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        if attached {
            try await fetchAttached()
            return
        }
        let (subject, inventory) = try await source.read(image)
        for note in inventory.notes { Output.warning("note: \(note)") }
        let document = try SBOMWriter.document(
            format, subject: subject, inventory: inventory,
            creation: SBOMCreation(toolName: "release-tool", toolVersion: OublietteVersion.current))
        if let output {
            try AtomicFile.write(document + Data("\n".utf8), to: URL(fileURLWithPath: output))
            Output.diagnostic("wrote \(output): \(inventory.packages.count) packages of \(subject.name)@\(subject.manifestDigest)")
        } else {
            Output.line(String(decoding: document, as: UTF8.self))
        }
    }

    private func fetchAttached() async throws {
        guard case let .registry(reference) = try ImageInventoryOptions.location(image) else {
            throw ValidationError("--attached reads an attestation from a registry; name a registry image, not oci:")
        }
        guard format == .spdxJSON else { throw ValidationError("--attached fetches the SPDX SBOM; drop --format") }
        let client = await ReleaseToolServices.forCommand(insecureRegistries: source.insecureRegistries).registries.client(for: reference.registry)
        let found = try await AttachedSBOM.fetch(reference, platform: source.platform, client: client)
        Output.diagnostic("note: SBOM attested for \(reference.name)@\(found.digest) (\(found.signed ? "signed" : "UNSIGNED"))")
        if let output {
            try AtomicFile.write(found.document + Data("\n".utf8), to: URL(fileURLWithPath: output))
        } else {
            Output.line(String(decoding: found.document, as: UTF8.self))
        }
    }
}
