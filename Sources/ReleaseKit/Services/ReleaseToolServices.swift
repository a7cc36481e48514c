import Foundation
import ImageBuilders
import ImageSigning
import OCIDistribution

/// release-tool's composition root, as `OublietteServices` is oubliette's: built once per
/// command from its options, it owns the one registry-client factory (so every request of a
/// command shares one client per registry, one credential lookup and one set of counters),
/// the signer and the SBOM attacher built over that factory, and hands out copiers and
/// publishers wired to them.
package struct ReleaseToolServices: Sendable {
    /// A key to sign with, and how to name it in logs.
    package struct SigningIdentity: Sendable {
        package let key: SigningKey
        package let label: String

        package init(key: SigningKey, label: String) {
            self.key = key
            self.label = label
        }
    }

    package let credentials: any CredentialSource
    package let registries: RegistryClientFactory
    /// Present when the command signs (`--sign` with a key).
    package let signer: (any Signer)?
    /// Present when the command attaches SBOMs (signed with the signing key, if any).
    package let sbomAttestation: SBOMAttestation?
    /// Where temporary layouts go.
    package let workDirectory: URL

    /// - Parameters:
    ///   - credentials: resolved by the caller once per command; every client shares them.
    ///   - insecureRegistries: hosts reached over plain HTTP by the factory made here.
    ///   - registries: the factory to use instead of one made from `credentials` (tests).
    ///   - signing: the key the signer signs with; nil builds no signer.
    ///   - provenance: builds the SLSA provenance statement the signer attaches to each image.
    ///   - attachSBOMs: build the SBOM attacher (its SBOMs signed with `signing`'s key, if any).
    ///   - workDirectory: where temporary layouts go.
    ///   - toolVersion: release-tool's version, named as the SBOMs' creator.
    ///   - log: receives the signer's and SBOM attacher's progress lines.
    package init(
        credentials: any CredentialSource, insecureRegistries: Set<String> = [], registries: RegistryClientFactory? = nil,
        signing: SigningIdentity? = nil, provenance: ReleaseProvenance = ReleaseProvenance(), attachSBOMs: Bool = false,
        workDirectory: URL = FileManager.default.temporaryDirectory, toolVersion: String,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        let registries = registries ?? RegistryClientFactory(credentials: credentials, insecureRegistries: insecureRegistries)
        self.credentials = credentials
        self.registries = registries
        self.workDirectory = workDirectory
        self.signer = signing.map { NativeSigner(key: $0.key, keyLabel: $0.label, registries: registries, provenance: provenance, log: log) }
        self.sbomAttestation =
            attachSBOMs
            ? SBOMAttestation(key: signing?.key, registries: registries, workDirectory: workDirectory, toolVersion: toolVersion, log: log)
            : nil
    }

    /// A copier over this root's clients.
    package func copier(
        concurrency: Int = 4, mountFrom: [RepositoryName] = [], sourceMirrors: [String] = [], progress: TransferProgressHandler? = nil
    ) -> ImageCopier {
        ImageCopier(registries: registries, concurrency: concurrency, mountFrom: mountFrom, sourceMirrors: sourceMirrors, progress: progress)
    }

    /// A publisher using this root's clients, signer and SBOM attacher.
    package func publisher(builder: any ImageBuilder, force: Bool = false, log: @escaping @Sendable (String) -> Void = { _ in }) -> ReleasePublisher {
        var publisher = ReleasePublisher(builder: builder, signer: signer, force: force, workDirectory: workDirectory, registries: registries, log: log)
        publisher.sbomAttestation = sbomAttestation
        return publisher
    }
}
