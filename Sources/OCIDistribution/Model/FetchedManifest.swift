import Foundation
import SystemSupport

/// A manifest or index as the registry stored it: exact bytes, media type and verified digest.
package struct FetchedManifest: Sendable, Hashable {
    package let bytes: Data
    package let mediaType: String
    package let digest: Digest

    package init(bytes: Data, mediaType: String, digest: Digest) {
        self.bytes = bytes
        self.mediaType = mediaType
        self.digest = digest
    }

    package var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    package var isIndex: Bool { MediaType.isIndex(mediaType) }

    /// The bytes decoded as an image manifest; throws when this is an index or malformed.
    package func imageManifest() throws(RegistryError) -> ImageManifest {
        guard MediaType.isManifest(mediaType) else {
            throw .unsupportedMediaType(mediaType, context: "manifest \(digest) is not an image manifest")
        }
        do { return try RegistryJSON.decode(ImageManifest.self, from: bytes) } catch {
            throw .invalidManifest(digest: digest.description, reason: describe(error))
        }
    }

    /// The bytes decoded as an image index / manifest list.
    package func imageIndex() throws(RegistryError) -> ImageIndex {
        guard MediaType.isIndex(mediaType) else {
            throw .unsupportedMediaType(mediaType, context: "manifest \(digest) is not an image index")
        }
        do { return try RegistryJSON.decode(ImageIndex.self, from: bytes) } catch {
            throw .invalidManifest(digest: digest.description, reason: describe(error))
        }
    }

    /// The media type a manifest body declares in its own `mediaType` field, if any.
    static func declaredMediaType(of bytes: Data) -> String? {
        struct Probe: Decodable { var mediaType: String? }
        return (try? JSONCoding.decode(Probe.self, from: bytes))?.mediaType
    }
}
