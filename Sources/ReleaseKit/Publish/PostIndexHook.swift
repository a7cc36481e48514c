import Foundation
import OCIDistribution

/// What a post-index hook sees: one image's index, pushed and tagged.
package struct PushedIndex: Sendable {
    package let image: PlannedImage
    /// The versioned reference pinned to the index digest.
    package let reference: ImageReference
    package let digest: Digest
    package let platforms: [PublishedPlatform]
    package let version: ReleaseVersion
    /// The parent's index this image's index was built from (each platform manifest names
    /// its own parent manifest).
    package let parentIndex: Digest?
    /// The image builder's name.
    package let builder: String
}

/// A step run after each image's index is pushed and tagged (signing, SBOM attestations),
/// in order. A step that signs answers the signature status the report carries.
package protocol PostIndexHook: Sendable {
    func run(after index: PushedIndex) async throws -> SignatureStatus?
}
