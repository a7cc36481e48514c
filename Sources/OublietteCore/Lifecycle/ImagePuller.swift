import Foundation

/// The pull step of refresh and update: always pulls (a present copy may be stale) through
/// ImageManager, so mirrors and provenance work as for first use, and reports lifecycle events.
public struct ImagePuller: Sendable {
    private let images: ImageManager

    public init(config: OublietteConfig, runtime: any ContainerRuntime, provenance: ProvenanceStore,
                now: @escaping @Sendable () -> Date = { Date() }) {
        images = ImageManager(config: config, runtime: runtime, provenance: provenance, now: now)
    }

    /// Pulls `reference`, the configured image of container type `type`; returns the image now present under it.
    public func pull(_ reference: ImageReference, type: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void) async throws -> RuntimeImage {
        onEvent(.step("Pulling \(reference.description)..."))
        return try await images.pullLatest(type: type) { onEvent(.pull(image: type, $0)) }
    }
}
