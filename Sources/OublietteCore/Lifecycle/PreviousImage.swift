import ContainerRuntimes
import Foundation
import OCIDistribution

/// Keeps `REPO:previous` naming the image a container type ran before its image last
/// changed, for `update --rollback`.
///
/// `previous` moves only once a new, different image is in place: while the new one is
/// obtained the current image is held under a staging name (`REPO:previous-staging`), so a
/// failed pull or build, or one that brings the same image, leaves `previous` where it was.
/// `update` and `container refresh` both replace images through here.
package struct PreviousImage: Sendable {
    package static let tag = "previous"
    static let stagingTag = "previous-staging"

    package let runtime: any ContainerRuntime
    package let provenance: ProvenanceStore

    package init(runtime: any ContainerRuntime, provenance: ProvenanceStore) {
        self.runtime = runtime
        self.provenance = provenance
    }

    /// The name the image before the last change keeps: same repository, tag `previous`.
    package static func reference(of reference: ImageReference) -> ImageReference {
        ImageReference(registry: reference.registry, repository: reference.repository, tag: tag)
    }

    static func staging(of reference: ImageReference) -> ImageReference {
        ImageReference(registry: reference.registry, repository: reference.repository, tag: stagingTag)
    }

    /// Runs `acquire` (a pull or a build that names its result `reference`); when it brings a
    /// different image, the one it replaced becomes `previous`, with its provenance record.
    package func replace(
        _ reference: ImageReference, onEvent: @escaping @Sendable (LifecycleEvent) -> Void, acquire: @Sendable () async throws -> RuntimeImage
    ) async throws -> (old: RuntimeImage?, new: RuntimeImage) {
        let old: RuntimeImage? = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
        let staging = Self.staging(of: reference)
        let oldRecord = try await provenance.all()[reference.description]
        if old != nil { try await runtime.tagImage(reference, as: staging) }
        let new: RuntimeImage
        do {
            new = try await acquire()
        } catch {
            if old != nil { try? await runtime.removeImage(staging, force: false) }
            throw error
        }
        if let old, old.id != new.id {
            let previous = Self.reference(of: reference)
            onEvent(.step("Keeping the image it replaces as \(previous.description)..."))
            try await runtime.tagImage(staging, as: previous)
            if var record = oldRecord {
                record.reference = previous.description
                try await provenance.record(record)
            }
        }
        // Only a name goes: the image keeps `reference` (unchanged) or `previous` (replaced).
        if old != nil { try? await runtime.removeImage(staging, force: false) }
        return (old, new)
    }

    /// Puts `previous` back under `reference`; the image it replaces becomes `previous`, so a
    /// second rollback undoes the first. Throws ``LifecycleError/noPreviousImage(type:image:)``
    /// when there is no `previous`, ``LifecycleError/nothingToRollBack(type:image:)`` when it is
    /// the current image already.
    package func rollBack(type: String, _ reference: ImageReference) async throws -> (old: RuntimeImage?, new: RuntimeImage) {
        let previous = Self.reference(of: reference)
        guard try await runtime.imageExists(previous) else {
            throw LifecycleError.noPreviousImage(type: type, image: previous.description)
        }
        let target = try await runtime.inspectImage(previous)
        let old: RuntimeImage? = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
        if let old, old.id == target.id { throw LifecycleError.nothingToRollBack(type: type, image: reference.description) }
        let records = try await provenance.all()
        let staging = Self.staging(of: reference)
        if old != nil { try await runtime.tagImage(reference, as: staging) }
        try await runtime.tagImage(previous, as: reference)
        if old != nil {
            try await runtime.tagImage(staging, as: previous)
            try? await runtime.removeImage(staging, force: false)
        }
        if var record = records[previous.description] {
            record.reference = reference.description
            try await provenance.record(record)
        }
        if old != nil, var record = records[reference.description] {
            record.reference = previous.description
            try await provenance.record(record)
        }
        return (old, try await runtime.inspectImage(reference))
    }
}
