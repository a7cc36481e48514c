import Foundation
import OCIDistribution

/// Says which platforms a remote image publishes, without pulling it. Apple `container` only
/// finds out after it has fetched the index, so ``AppleContainerRuntime`` asks this first.
package protocol ImagePlatformLister: Sendable {
    /// `os/arch[/variant]` of every platform `reference` publishes (attestations left out).
    /// Throws when the registry cannot be asked; the caller then lets the engine decide.
    func platforms(of reference: ImageReference) async throws -> [String]
}

/// Asks the image's registry directly: the index's platform descriptors, or for a single
/// manifest the platform recorded in its configuration.
package struct RegistryPlatformLister: ImagePlatformLister {
    private let registries: RegistryClientFactory

    package init(registries: RegistryClientFactory) {
        self.registries = registries
    }

    package func platforms(of reference: ImageReference) async throws -> [String] {
        // A short deadline and no retries: this is a pre-check, the pull itself retries.
        let client = await registries.client(for: reference.registry, purpose: .quickCheck)
        let fetched = try await client.manifest(repository: reference.repositoryName, reference: reference.manifestReference)
        if fetched.isIndex {
            return try fetched.imageIndex().manifests.compactMap(\.platform)
                .filter { $0.os != "unknown" && $0.architecture != "unknown" }
                .map(\.description)
        }
        let manifest = try fetched.imageManifest()
        let data = try await client.blob(repository: reference.repositoryName, digest: manifest.config.digest)
        let configuration = try RegistryJSON.decode(ImageConfiguration.self, from: data)
        return [Platform(architecture: configuration.architecture, os: configuration.os, variant: configuration.variant).description]
    }
}
