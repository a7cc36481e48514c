import Foundation
import ImageCatalogue
import ImageSigning
import OCIDistribution

/// What the publisher knows about one image when it asks for a signature.
public struct SigningSubject: Sendable {
    /// Catalogue entry (container type).
    public let type: String
    /// Pinned by digest.
    public let reference: ImageReference
    public let tags: [String]
    /// The image's resolved labels (revision, version, base digest…).
    public let labels: [String: String]
    public let version: ReleaseVersion
    /// The image builder's name (buildah, docker…).
    public let builder: String
    public let toolVersion: String
    /// For an index: the parent manifest each platform's image was built FROM, keyed by
    /// platform (`linux/arm64`); the labels' base digest covers a single manifest.
    public let parentDigests: [String: Digest]

    public init(
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
public protocol Signer: Sendable {
    var name: String { get }
    /// Signs `subject.reference` (always pinned by digest).
    func sign(_ subject: SigningSubject) async throws -> SignatureStatus
}

/// What happened about signing one image; always part of the report.
public enum SignatureStatus: Sendable, Equatable, Codable, CustomStringConvertible {
    case signed(by: String)
    case skipped(reason: String)

    public var description: String {
        switch self {
        case let .signed(by): return "signed with \(by)"
        case let .skipped(reason): return "NOT signed (\(reason))"
        }
    }
}
