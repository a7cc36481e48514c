import Foundation

/// Pulls an image even when a copy is already present (that is what "refresh" and "update"
/// mean) and records its provenance, so `oubliette status` can tell where it came from.
public struct ImagePuller: Sendable {
    public let runtime: any ContainerRuntime
    public let provenance: ProvenanceStore
    public let now: @Sendable () -> Date

    public init(runtime: any ContainerRuntime, provenance: ProvenanceStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.runtime = runtime
        self.provenance = provenance
        self.now = now
    }

    /// Pulls `reference` for container type `type`; returns the image now present under it.
    public func pull(_ reference: ImageReference, type: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void) async throws -> RuntimeImage {
        onEvent(.step("Pulling \(reference.description)..."))
        do {
            try await runtime.pull(reference) { onEvent(.pull(image: type, $0)) }
        } catch {
            throw ImageManagerError.pullFailed(type: type, image: reference.description,
                                               reason: (error as? LocalizedError)?.errorDescription ?? "\(error)",
                                               manualCommand: Self.manualPullCommand(runtime.kind, reference))
        }
        let image = try await runtime.inspectImage(reference)
        do {
            try await provenance.record(ImageProvenance(
                reference: reference.description,
                digest: image.repoDigest(for: reference)?.description,
                version: image.labels[OublietteVersion.label],
                source: .prebuilt,
                registry: reference.registry,
                acquiredAt: now()
            ))
        } catch {
            throw ImageManagerError.provenance(error)
        }
        return image
    }

    static func manualPullCommand(_ kind: RuntimeKind, _ reference: ImageReference) -> String {
        switch kind {
        case .docker: "docker pull \(reference.description)"
        case .apple: "container image pull \(reference.description)"
        }
    }
}
