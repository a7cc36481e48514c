import Foundation
import OCIDistribution
import SystemSupport

/// The file `publish --push-by-digest --digests-out FILE` writes and `publish --merge FILE…`
/// reads: which manifest was pushed for each image on the platforms one job built.
///
/// ```json
/// {
///   "schemaVersion": 1,
///   "version": "1.1.0",
///   "revision": "<git commit>",
///   "platforms": [{"architecture": "arm64", "os": "linux"}],
///   "images": [
///     {"type": "base", "repository": "ghcr.io/acme/oubliette-base",
///      "platform": {"architecture": "arm64", "os": "linux"},
///      "digest": "sha256:…", "mediaType": "application/vnd.oci.image.manifest.v1+json",
///      "size": 1234},
///     {"type": "dev", …, "parentDigest": "sha256:<base's arm64 manifest>"}
///   ]
/// }
/// ```
/// `parentDigest` is the parent's manifest for the same platform that the image was built
/// FROM (absent for root images). Keys are sorted and the file is written atomically.
package struct PlatformDigests: Sendable, Equatable, Codable {
    package static let currentSchemaVersion = 1

    package struct Entry: Sendable, Equatable, Codable {
        package let type: String
        package let repository: String
        package let platform: Platform
        package let digest: Digest
        package let mediaType: String
        package let size: Int64
        package let parentDigest: Digest?

        package init(
            type: String, repository: String, platform: Platform, digest: Digest, mediaType: String, size: Int64, parentDigest: Digest?
        ) {
            self.type = type
            self.repository = repository
            self.platform = platform
            self.digest = digest
            self.mediaType = mediaType
            self.size = size
            self.parentDigest = parentDigest
        }
    }

    package let schemaVersion: Int
    package let version: String
    package let revision: String
    package let platforms: [Platform]
    package let images: [Entry]

    package init(version: String, revision: String, platforms: [Platform], images: [Entry]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.version = version
        self.revision = revision
        self.platforms = platforms
        self.images = images
    }

    package func write(to url: URL) throws {
        // No Date inside, so `.pretty`'s date strategy leaves the bytes as they were.
        var data = try JSONCoding.encode(self, as: .pretty)
        data.append(0x0A)
        try AtomicFile.write(data, to: url)
    }

    package static func read(from url: URL) throws(PublishError) -> PlatformDigests {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .digestsFile(path: url.path, reason: "cannot read it: \(describe(error))")
        }
        let decoded: PlatformDigests
        do { decoded = try JSONCoding.decode(PlatformDigests.self, from: data) } catch {
            throw .digestsFile(path: url.path, reason: "not a digests file written by `publish --digests-out` (\(Self.explain(error)))")
        }
        guard decoded.schemaVersion == currentSchemaVersion else {
            throw .digestsFile(
                path: url.path,
                reason: "schemaVersion \(decoded.schemaVersion) is not \(currentSchemaVersion); write it with the same release-tool version")
        }
        return decoded
    }

    private static func explain(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _)?: return "missing \"\(key.stringValue)\""
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?, let .dataCorrupted(context)?:
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default: return describe(error)
        }
    }
}
