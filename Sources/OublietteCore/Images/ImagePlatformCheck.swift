import ContainerRuntimes
import Foundation
import OCIDistribution

/// Before a pull: does the configured image publish the platform this runtime runs? Asks the
/// registry for the reference's index (manifests only, no layers), so an image that cannot
/// run here fails at once with what it does publish, instead of after a download or at
/// container start.
///
/// The runtime's platform: Apple `container` runs linux/arm64 (and linux/amd64 under Rosetta
/// when allowed); Docker runs its engine's OS/architecture as `GET /version` reports them.
package struct ImagePlatformCheck: Sendable {
    /// What the check found, recorded with the image's provenance and shown by `status`.
    package struct Outcome: Sendable, Equatable {
        /// The platform the runtime will pull and run (`linux/amd64`).
        package let platform: String
        /// Every platform the reference publishes; nil when the registry could not be asked.
        package let published: [String]?
    }

    private let lister: any ImagePlatformLister

    package init(lister: any ImagePlatformLister) {
        self.lister = lister
    }

    /// The platforms `runtime` can run, preferred first; nil when the engine does not say.
    package static func runtimePlatforms(_ runtime: any ContainerRuntime) async -> [Platform]? {
        if let apple = runtime as? AppleContainerRuntime {
            return try? apple.acceptedPlatforms.map { try Platform(parsing: $0) }
        }
        guard let version = try? await runtime.version(), let os = version.os, let architecture = version.architecture,
            !os.isEmpty, !architecture.isEmpty
        else { return nil }
        return [Platform(architecture: architecture, os: os)]
    }

    /// Checks `reference` against `runtime`'s platforms. Throws
    /// ``RuntimeError/platformUnavailable(image:wanted:available:)`` (naming the image, what it
    /// publishes and the `image_source: build` alternative) when none of them is published.
    /// An engine or registry that cannot be asked is not an error here: the pull decides.
    package func verify(_ reference: ImageReference, runtime: any ContainerRuntime) async throws -> Outcome? {
        guard let accepted = await Self.runtimePlatforms(runtime), let preferred = accepted.first else { return nil }
        let published: [String]
        do { published = try await lister.platforms(of: reference) } catch {
            return Outcome(platform: preferred.description, published: nil)
        }
        let offered = published.compactMap { try? Platform(parsing: $0) }
        // Nothing recognisable listed (e.g. only attestations): let the engine decide.
        guard !offered.isEmpty else { return Outcome(platform: preferred.description, published: published) }
        guard let chosen = accepted.first(where: { wanted in offered.contains { $0.satisfies(wanted) } }) else {
            throw RuntimeError.platformUnavailable(image: reference.description, wanted: preferred.description, available: published)
        }
        return Outcome(platform: chosen.description, published: published)
    }
}
