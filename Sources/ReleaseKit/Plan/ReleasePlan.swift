import Foundation
import OCIDistribution
import OublietteCore

/// One image to build and push.
public struct PlannedImage: Sendable, Equatable, Codable {
    /// Catalogue type (`base`, `dev`, …).
    public let type: String
    /// Repository to push to, without tag (`ghcr.io/hyphagroup/oubliette-base`).
    public let repository: String
    /// Absolute Dockerfile path.
    public let dockerfile: String
    /// Absolute build context directory.
    public let context: String
    public let parent: String?
    /// Image tags; the first is the versioned tag, pushed first. Others are added to the
    /// same manifest afterwards.
    public let tags: [String]
    public let buildArgs: [PlanSetting]
    public let labels: [PlanSetting]

    public init(
        type: String, repository: String, dockerfile: String, context: String, parent: String?,
        tags: [String], buildArgs: [PlanSetting], labels: [PlanSetting]
    ) {
        self.type = type
        self.repository = repository
        self.dockerfile = dockerfile
        self.context = context
        self.parent = parent
        self.tags = tags
        self.buildArgs = buildArgs
        self.labels = labels
    }

    /// The versioned tag the image is pushed under first.
    public var primaryTag: String { tags.first ?? ImageReference.defaultTag }

    /// `repository:primaryTag`.
    public func reference(tag: String? = nil) throws(ImageReferenceError) -> ImageReference {
        try ImageReference(parsing: "\(repository):\(tag ?? primaryTag)")
    }
}

/// The ordered list of images for one release (parents before children).
public struct ReleasePlan: Sendable, Equatable, Codable {
    public let version: ReleaseVersion
    public let images: [PlannedImage]

    public init(version: ReleaseVersion, images: [PlannedImage]) {
        self.version = version
        self.images = images
    }
}
