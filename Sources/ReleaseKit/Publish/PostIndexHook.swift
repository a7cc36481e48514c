import Foundation
import OCIDistribution

/// What a post-index hook sees: one image's index, pushed and tagged.
public struct PushedIndex: Sendable {
    public let image: PlannedImage
    /// The versioned reference pinned to the index digest.
    public let reference: ImageReference
    public let digest: Digest
    public let platforms: [PublishedPlatform]
    public let version: ReleaseVersion
    /// The parent's index this image's index was built from (each platform manifest names
    /// its own parent manifest).
    public let parentIndex: Digest?
    /// The image builder's name.
    public let builder: String
}

/// A step run after each image's index is pushed and tagged (signing, SBOM attestations),
/// in order. A step that signs answers the signature status the report carries.
public protocol PostIndexHook: Sendable {
    func run(after index: PushedIndex) async throws -> SignatureStatus?
}
