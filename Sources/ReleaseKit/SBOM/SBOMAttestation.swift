import Foundation
import ImageInventory
import ImageSigning
import OCIDistribution
import SystemSupport

/// `publish`'s SBOM step: reads each published platform image back from the registry (its
/// compressed layers, into a temporary layout), writes its SPDX 2.3 SBOM, and attaches it as
/// an in-toto statement (predicate type SPDX) to that platform manifest's digest, signed
/// when a key is configured, unsigned otherwise. Republishing replaces the earlier SBOM of
/// the same signer rather than adding another.
package struct SBOMAttestation: Sendable {
    package static let predicateType = "https://spdx.dev/Document"

    package var key: SigningKey?
    /// The caller's clients, so the read-back and the attestation pushes count with the publish's traffic.
    package var registries: RegistryClientFactory
    package var workDirectory: URL
    package var toolVersion: String
    package var log: @Sendable (String) -> Void

    package init(
        key: SigningKey?, registries: RegistryClientFactory, workDirectory: URL, toolVersion: String,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.key = key
        self.registries = registries
        self.workDirectory = workDirectory
        self.toolVersion = toolVersion
        self.log = log
    }

    /// `reference` must be pinned by digest (an image or an index).
    @discardableResult
    package func attach(to reference: ImageReference) async throws -> [AttestationAttacher.Outcome] {
        try await withTemporaryDirectory(in: workDirectory, prefix: "sbom-") { layout in
            try await attach(to: reference, through: layout)
        }
    }

    private func attach(to reference: ImageReference, through layout: URL) async throws -> [AttestationAttacher.Outcome] {
        let copier = ImageCopier(registries: registries)
        _ = try await copier.copy(from: .registry(reference), to: .ociLayout(directory: layout, tag: "sbom"))
        let reader = try ImageLayoutReader(directory: layout)
        let client = await registries.client(for: reference.registry)
        let attacher = AttestationAttacher(client: client, key: key)
        let name = reference.name
        var outcomes: [AttestationAttacher.Outcome] = []
        for platform in try reader.platforms(tag: "sbom") {
            let (subject, inventory) = try reader.read(tag: "sbom", platform: platform, name: name)
            let document = try SBOMWriter.document(
                .spdxJSON, subject: subject, inventory: inventory, creation: SBOMCreation(toolName: "release-tool", toolVersion: toolVersion))
            let digest = try Digest(subject.manifestDigest)
            let statement = InTotoStatement(subject: [.init(name: name, digest: digest)], predicateType: Self.predicateType, predicate: document)
            let outcome = try await attacher.attach(statement, to: reference.withDigest(digest), replacingSamePredicateType: true)
            log(
                "\(name)@\(digest)\(platform.map { " (\($0))" } ?? ""): SBOM attestation (\(inventory.packages.count) packages) "
                    + (key == nil ? "attached unsigned (no key)" : "attached, signed"))
            outcomes.append(outcome)
        }
        return outcomes
    }
}
