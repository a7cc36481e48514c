import Foundation
import OCIDistribution
import SystemSupport

/// The outcome for one image.
package struct PublishedImage: Sendable, Equatable, Codable {
    package let type: String
    /// `repository:versionTag@digest`.
    package let reference: ImageReference
    /// What the tags point at: the index digest (the platform manifest's digest after a
    /// `--push-by-digest` run, which pushes no index).
    package let digest: Digest
    package let tags: [String]
    /// True when the registry already had this version with the same revision, and nothing was built.
    package let reused: Bool
    package let blobsUploaded: Int
    package let bytesUploaded: Int64
    package let blobsMounted: Int
    package let blobsSkipped: Int
    package let signature: SignatureStatus
    /// The index pushed for this image (nil after `--push-by-digest`, which pushes none).
    package let indexDigest: Digest?
    /// Every platform manifest listed in the index, with the parent digest each was built FROM.
    package let platforms: [PublishedPlatform]

    package init(
        type: String, reference: ImageReference, digest: Digest, tags: [String], reused: Bool, blobsUploaded: Int,
        bytesUploaded: Int64, blobsMounted: Int, blobsSkipped: Int, signature: SignatureStatus,
        indexDigest: Digest? = nil, platforms: [PublishedPlatform] = []
    ) {
        self.indexDigest = indexDigest
        self.platforms = platforms
        self.type = type
        self.reference = reference
        self.digest = digest
        self.tags = tags
        self.reused = reused
        self.blobsUploaded = blobsUploaded
        self.bytesUploaded = bytesUploaded
        self.blobsMounted = blobsMounted
        self.blobsSkipped = blobsSkipped
        self.signature = signature
    }
}

package struct PublishReport: Sendable, Equatable, Codable {
    package let version: String
    package let images: [PublishedImage]
    /// What the registry clients moved during this publish, summed over registries.
    package let counters: TransferCounters

    package init(version: String, images: [PublishedImage], counters: TransferCounters) {
        self.version = version
        self.images = images
        self.counters = counters
    }

    package func renderedJSON() throws -> String {
        // snake_case keys, as every --json output of both tools (CommandSupport.Output). No
        // Date inside, so `.report`'s date strategy leaves the bytes as they were.
        try JSONCoding.text(self, as: .report)
    }
}
