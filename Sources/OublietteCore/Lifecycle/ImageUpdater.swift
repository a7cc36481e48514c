import ContainerRuntimes
import Foundation
import OCIDistribution

/// What `update` or `update --rollback` did for one container type.
package struct UpdateResult: Sendable, Equatable, Encodable {
    package let type: String
    package let image: String
    /// Manifest digests before and after (nil when unknown, e.g. a locally built image).
    package let previousDigest: String?
    package let currentDigest: String?
    /// False when the image was already the newest (or the rollback target) and nothing moved.
    package let changed: Bool
    /// Projects whose containers were recreated on the new image.
    package let recreated: [String]
    /// Projects left on the old image, with the reason (e.g. active sessions).
    package let skipped: [String: String]

    enum CodingKeys: String, CodingKey {
        case type, image, changed, recreated, skipped
        case previousDigest = "previous_digest", currentDigest = "current_digest"
    }
}

/// Updates container-type images and rolls them back.
///
/// The new image is obtained (pulled, per `image_source` or the flags); only when it is in
/// place and different does the image it replaced become `previous` (``PreviousImage``) and
/// are the running containers of that type recreated. A rollback swaps `previous` and the
/// configured name.
package struct ImageUpdater: Sendable {
    package static let previousTag = PreviousImage.tag

    package let config: OublietteConfig
    package let runtime: any ContainerRuntime
    package let provenance: ProvenanceStore
    package let lifecycle: ContainerLifecycle

    /// Pulls and rebuilds go through `lifecycle.images`, the process's one image manager; a
    /// rebuild needs that manager to have local-build settings, else it is refused clearly.
    package init(config: OublietteConfig, runtime: any ContainerRuntime, provenance: ProvenanceStore, lifecycle: ContainerLifecycle) {
        self.config = config
        self.runtime = runtime
        self.provenance = provenance
        self.lifecycle = lifecycle
    }

    /// The name the image before the last update keeps: same repository, tag `previous`.
    package static func previousReference(of reference: ImageReference) -> ImageReference { PreviousImage.reference(of: reference) }

    private var previousImage: PreviousImage { PreviousImage(runtime: runtime, provenance: provenance) }

    package func update(
        type: String, acquisition: ImageAcquisition,
        onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }
    ) async throws -> UpdateResult {
        let reference = try config.imageReference(for: type)
        if case .rebuild = acquisition, !lifecycle.images.canBuild { throw LifecycleError.rebuildUnavailable(type: type) }
        onEvent(.step("Updating \(type) (\(reference.description))..."))
        let old: RuntimeImage?, new: RuntimeImage
        switch acquisition {
        case .pull:
            // The pull keeps `previous` inside its single flight; when it joined a pull another
            // caller started, the image before is the one present now.
            let before = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
            let pulled = try await lifecycle.pullKeepingPrevious(type: type, onEvent: onEvent)
            (old, new) = (pulled.old ?? before, pulled.new)
        case let .rebuild(noCache):
            (old, new) = try await previousImage.replace(reference, onEvent: onEvent) {
                onEvent(.step("Building \(reference.description) from its Dockerfile..."))
                return try await lifecycle.images.rebuild(type: type, noCache: noCache).image
            }
        }
        return try await finish(type: type, reference: reference, old: old, new: new, changed: old?.id != new.id, onEvent: onEvent)
    }

    /// Puts the image from before the last update back (the one it replaces becomes
    /// `previous`). Throws when there is nothing to roll back to.
    package func rollback(type: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> UpdateResult {
        let reference = try config.imageReference(for: type)
        onEvent(.step("Rolling back \(type) to \(Self.previousReference(of: reference).description)..."))
        let (old, new) = try await previousImage.rollBack(type: type, reference)
        return try await finish(type: type, reference: reference, old: old, new: new, changed: true, onEvent: onEvent)
    }

    /// Recreates the running containers of `type` once the new image is in place.
    private func finish(
        type: String, reference: ImageReference, old: RuntimeImage?, new: RuntimeImage, changed: Bool,
        onEvent: @escaping @Sendable (LifecycleEvent) -> Void
    ) async throws -> UpdateResult {
        var recreated: [String] = []
        var skipped: [String: String] = [:]
        let digest = new.repoDigest(for: reference)?.description
        if changed {
            let running = try await lifecycle.containers().filter { $0.type == type && $0.state == .running }
            for projectID in Set(running.map(\.projectID)).sorted() {
                let project = try await lifecycle.store.project(id: projectID)
                do {
                    _ = try await lifecycle.replaceContainer(of: project, image: new, digest: digest, onEvent: onEvent)
                    recreated.append(projectID)
                } catch let refusal as LifecycleError {
                    onEvent(.warning("not restarting: \(refusal.description)"))
                    skipped[projectID] = refusal.description
                } catch let busy as ProjectError {
                    onEvent(.warning("not restarting: \(busy.description)"))
                    skipped[projectID] = busy.description
                }
            }
        } else {
            onEvent(.step("\(type) is already on this image; no containers restarted."))
        }
        onEvent(.step("Done."))
        return UpdateResult(
            type: type, image: reference.description, previousDigest: old?.repoDigest(for: reference)?.description,
            currentDigest: digest, changed: changed, recreated: recreated, skipped: skipped)
    }
}
