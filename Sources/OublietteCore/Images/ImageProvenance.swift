import Foundation

/// How a local image came to be, as `oubliette status` reports it.
public struct ImageProvenance: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        case prebuilt
        case build
    }

    public var reference: String
    public var digest: String?
    /// `org.opencontainers.image.version` of the image, when labelled.
    public var version: String?
    public var source: Source
    /// Registry the image was pulled from (nil for local builds).
    public var registry: String?
    public var acquiredAt: Date

    public init(reference: String, digest: String?, version: String?, source: Source, registry: String?, acquiredAt: Date) {
        self.reference = reference
        self.digest = digest
        self.version = version
        self.source = source
        self.registry = registry
        self.acquiredAt = acquiredAt
    }

    enum CodingKeys: String, CodingKey {
        case reference, digest, version, source, registry
        case acquiredAt = "acquired_at"
    }
}

/// The provenance records in the data directory (`images.json`), one per image reference.
///
/// Writes go to a temporary file that is renamed over the old one, so a crash leaves either
/// the previous complete file or the new one, never half of either.
public actor ProvenanceStore {
    public let file: URL

    public init(dataDirectory: URL) {
        file = dataDirectory.appendingPathComponent("images.json")
    }

    public func all() throws(ProvenanceError) -> [String: ImageProvenance] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [:] }
        do {
            let data = try Data(contentsOf: file)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode([String: ImageProvenance].self, from: data)
        } catch {
            throw .unreadable(path: file.path, reason: error.localizedDescription)
        }
    }

    public func record(_ provenance: ImageProvenance) throws(ProvenanceError) {
        var records = try all()
        records[provenance.reference] = provenance
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try OubliettePaths.ensurePrivateDirectory(file.deletingLastPathComponent())
            try AtomicFile.write(try encoder.encode(records), to: file)
        } catch {
            throw .unwritable(path: file.path, reason: error.localizedDescription)
        }
    }
}

public enum ProvenanceError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read image records \(path): \(reason); delete the file to start afresh (images are not affected)"
        case let .unwritable(path, reason):
            return "cannot write image records \(path): \(reason); check the data directory's permissions and free space"
        }
    }

    public var errorDescription: String? { description }
}
