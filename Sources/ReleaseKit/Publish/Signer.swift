import Foundation
import ImageCatalogue
import ImageSigning
import OCIDistribution

/// What the publisher knows about one image when it asks for a signature.
package struct SigningSubject: Sendable {
    /// Catalogue entry (container type).
    package let type: String
    /// Pinned by digest.
    package let reference: ImageReference
    package let tags: [String]
    /// The image's resolved labels (revision, version, base digest…).
    package let labels: [String: String]
    package let version: ReleaseVersion
    /// The image builder's name (buildah, docker…).
    package let builder: String
    package let toolVersion: String
    /// For an index: the parent manifest each platform's image was built FROM, keyed by
    /// platform (`linux/arm64`); the labels' base digest covers a single manifest.
    package let parentDigests: [String: Digest]

    package init(
        type: String, reference: ImageReference, tags: [String], labels: [String: String], version: ReleaseVersion, builder: String,
        toolVersion: String = OublietteVersion.current, parentDigests: [String: Digest] = [:]
    ) {
        self.parentDigests = parentDigests
        self.type = type
        self.reference = reference
        self.tags = tags
        self.labels = labels
        self.version = version
        self.builder = builder
        self.toolVersion = toolVersion
    }
}

/// Signs a pushed image. When no signer is configured the publisher reports the skip.
package protocol Signer: Sendable {
    var name: String { get }
    /// Signs `subject.reference` (always pinned by digest).
    func sign(_ subject: SigningSubject) async throws -> SignatureStatus
}

/// What happened about signing one image; always part of the report.
package enum SignatureStatus: Sendable, Equatable, Codable, CustomStringConvertible {
    case signed(by: String)
    case skipped(reason: String)

    package var description: String {
        switch self {
        case let .signed(by): return "signed with \(by)"
        case let .skipped(reason): return "NOT signed (\(reason))"
        }
    }
}
