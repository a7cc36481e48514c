import Foundation
import OCIDistribution

/// One platform's manifest of one image, as pushed (by digest) or found already there.
/// Signing and provenance read the three digests: this manifest, the parent manifest it was
/// built FROM, and (on ``PublishedImage``) the index that lists it.
package struct PublishedPlatform: Sendable, Equatable, Codable {
    package let platform: Platform
    /// The platform manifest's digest (what the index lists).
    package let digest: Digest
    package let mediaType: String
    package let size: Int64
    /// The parent's manifest for the same platform that this image was built FROM (nil for
    /// root images).
    package let parentDigest: Digest?
    /// True when the registry already had it (same revision, version and base) and nothing was built.
    package let reused: Bool
    package let blobsUploaded: Int
    package let bytesUploaded: Int64
    package let blobsMounted: Int
    package let blobsSkipped: Int

    package init(
        platform: Platform, digest: Digest, mediaType: String, size: Int64, parentDigest: Digest?, reused: Bool,
        blobsUploaded: Int = 0, bytesUploaded: Int64 = 0, blobsMounted: Int = 0, blobsSkipped: Int = 0
    ) {
        self.platform = platform
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.parentDigest = parentDigest
        self.reused = reused
        self.blobsUploaded = blobsUploaded
        self.bytesUploaded = bytesUploaded
        self.blobsMounted = blobsMounted
        self.blobsSkipped = blobsSkipped
    }

    /// The index entry for this manifest. The platform comes from the plan, not from the
    /// image config, so a one-process publish and a fan-out merge write identical bytes.
    package var indexDescriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: size, platform: platform)
    }
}
