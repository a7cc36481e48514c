import Foundation
import OCIDistribution

/// What `update` or `update --rollback` did for one container type.
public struct UpdateResult: Sendable, Equatable, Encodable {
    public let type: String
    public let image: String
    /// Manifest digests before and after (nil when unknown, e.g. a locally built image).
    public let previousDigest: String?
    public let currentDigest: String?
    /// False when the image was already the newest (or the rollback target) and nothing moved.
    public let changed: Bool
    /// Projects whose containers were recreated on the new image.
    public let recreated: [String]
    /// Projects left on the old image, with the reason (e.g. active sessions).
    public let skipped: [String: String]

    enum CodingKeys: String, CodingKey {
        case type, image, changed, recreated, skipped
        case previousDigest = "previous_digest", currentDigest = "current_digest"
    }
}

/// Updates container-type images and rolls them back.
///
/// Before an update the current image is tagged `previous`; the new image is obtained
/// (pulled, per `image_source` or the flags); only then are the running containers of that
/// type recreated. A rollback tags `previous` back under the configured name.
public struct ImageUpdater: Sendable {
    public static let previousTag = "previous"

    public let config: OublietteConfig
    public let runtime: any ContainerRuntime
    public let provenance: ProvenanceStore
    public let lifecycle: ContainerLifecycle

    /// Pulls and rebuilds go through `lifecycle.images`, the process's one image manager; a
    /// rebuild needs that manager to have local-build settings, else it is refused clearly.
    public init(config: OublietteConfig, runtime: any ContainerRuntime, provenance: ProvenanceStore, lifecycle: ContainerLifecycle) {
        self.config = config
        self.runtime = runtime
        self.provenance = provenance
        self.lifecycle = lifecycle
    }

    /// The name the image before the last update keeps: same repository, tag `previous`.
    public static func previousReference(of reference: ImageReference) -> ImageReference {
        ImageReference(registry: reference.registry, repository: reference.repository, tag: previousTag)
    }

    public func update(
        type: String, acquisition: ImageAcquisition,
        onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }
    ) async throws -> UpdateResult {
        let reference = try config.imageReference(for: type)
        if case .rebuild = acquisition, !lifecycle.images.canBuild { throw LifecycleError.rebuildUnavailable(type: type) }
        onEvent(.step("Updating \(type) (\(reference.description))..."))
        let old: RuntimeImage? = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
        if old != nil {
            let previous = Self.previousReference(of: reference)
            onEvent(.step("Tagging the current image as \(previous.description)..."))
            try await runtime.tagImage(reference, as: previous)
            if var record = try await provenance.all()[reference.description] {
                record.reference = previous.description
                try await provenance.record(record)
            }
        }
        let new: RuntimeImage
        switch acquisition {
        case .pull:
            new = try await lifecycle.pullLatest(type: type, onEvent: onEvent)
        case let .rebuild(noCache):
            onEvent(.step("Building \(reference.description) from its Dockerfile..."))
            new = try await lifecycle.images.rebuild(type: type, noCache: noCache).image
        }
        let changed = old?.id != new.id
        return try await finish(type: type, reference: reference, old: old, new: new, changed: changed, onEvent: onEvent)
    }

    public func rollback(type: String, onEvent: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) async throws -> UpdateResult {
        let reference = try config.imageReference(for: type)
        let previous = Self.previousReference(of: reference)
        guard try await runtime.imageExists(previous) else {
            throw LifecycleError.noPreviousImage(type: type, image: previous.description)
        }
        onEvent(.step("Rolling back \(type) to \(previous.description)..."))
        let old: RuntimeImage? = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
        let target = try await runtime.inspectImage(previous)
        try await runtime.tagImage(previous, as: reference)
        if var record = try await provenance.all()[previous.description] {
            record.reference = reference.description
            try await provenance.record(record)
        }
        let new = try await runtime.inspectImage(reference)
        return try await finish(type: type, reference: reference, old: old, new: new, changed: old?.id != target.id, onEvent: onEvent)
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
                    _ = try await lifecycle.replaceContainer(of: project, digest: digest, onEvent: onEvent)
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
