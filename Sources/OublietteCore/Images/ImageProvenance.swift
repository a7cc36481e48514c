import ContainerRuntimes
import Foundation
import OCIDistribution
import SystemSupport

/// How a local image came to be, as `oubliette status` reports it.
package struct ImageProvenance: Sendable, Equatable, Codable {
    package enum Source: String, Sendable, Codable {
        case prebuilt
        case build
    }

    package var reference: String
    package var digest: String?
    /// `org.opencontainers.image.version` of the image, when labelled.
    package var version: String?
    package var source: Source
    /// Registry the image was pulled from (nil for local builds).
    package var registry: String?
    package var acquiredAt: Date
    /// The platform pulled (`linux/amd64`), when oubliette checked it before pulling.
    package var platform: String?
    /// Every platform the reference published at pull time (nil when not asked).
    package var publishedPlatforms: [String]?
    /// The signature check's outcome (nil in records written before verification existed).
    package var signature: SignatureRecord?
    /// The engine's image ID of what was pulled (nil in older records).
    package var imageID: String?

    package init(
        reference: String, digest: String?, version: String?, source: Source, registry: String?, acquiredAt: Date,
        platform: String? = nil, publishedPlatforms: [String]? = nil, signature: SignatureRecord? = nil, imageID: String? = nil
    ) {
        self.imageID = imageID
        self.platform = platform
        self.publishedPlatforms = publishedPlatforms
        self.reference = reference
        self.digest = digest
        self.version = version
        self.source = source
        self.registry = registry
        self.acquiredAt = acquiredAt
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case reference, digest, version, source, registry, signature
        case acquiredAt = "acquired_at"
        case platform
        case publishedPlatforms = "published_platforms"
        case imageID = "image_id"
    }
}

extension ImageProvenance {
    /// Whether this record vouches for exactly `image`: oubliette built it, or verified the
    /// signature of the digest it pulled as that image ID (content-addressed: the same ID is
    /// the same content, also when a mirror served it and the engine knows it only by the
    /// mirror's name@digest); records without an ID need the engine's digest for the name.
    package func vouches(for image: RuntimeImage, as reference: ImageReference?) -> Bool {
        if source == .build { return digest == image.id }
        guard signature?.status == .verified, let verified = signature?.digest else { return false }
        if let imageID { return imageID == image.id }
        guard let reference else { return true }
        return image.repoDigests(for: reference).contains { $0.description == verified }
    }
}

/// The provenance records in the data directory (`images.json`), one per image reference,
/// kept through ``JSONStateFile`` (locked read-modify-write, atomic replacement), so two
/// processes recording at once both keep their records.
package actor ProvenanceStore {
    package nonisolated let file: URL
    private let state: JSONStateFile<[String: ImageProvenance]>

    package init(dataDirectory: URL) {
        file = dataDirectory.appendingPathComponent("images.json")
        state = JSONStateFile(file, mode: 0o644, empty: { [:] })
    }

    package func all() throws(ProvenanceError) -> [String: ImageProvenance] {
        do { return try state.read() } catch { throw .unreadable(path: file.path, reason: error.description) }
    }

    package func record(_ provenance: ImageProvenance) throws(ProvenanceError) {
        do {
            try state.update { $0[provenance.reference] = provenance }
        } catch {
            throw .unwritable(path: file.path, reason: describe(error))
        }
    }
}

package enum ProvenanceError: Error, Equatable, Sendable, DescribedError {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    package var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read image records \(path): \(reason); delete the file to start afresh (images are not affected)"
        case let .unwritable(path, reason):
            return "cannot write image records \(path): \(reason); check the data directory's permissions and free space"
        }
    }

}
