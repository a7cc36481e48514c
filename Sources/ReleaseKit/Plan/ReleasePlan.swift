import Foundation
import ImageCatalogue
import OCIDistribution

/// One image to build and push.
package struct PlannedImage: Sendable, Equatable, Codable {
    /// Catalogue type (`base`, `dev`, …).
    package let type: String
    /// Repository to push to, without tag (`ghcr.io/hyphagroup/oubliette-base`).
    package let repository: String
    /// Absolute Dockerfile path.
    package let dockerfile: String
    /// Absolute build context directory.
    package let context: String
    package let parent: String?
    /// Image tags; the first is the versioned tag, pushed first. Others are added to the
    /// same manifest afterwards.
    package let tags: [String]
    package let buildArgs: [PlanSetting]
    package let labels: [PlanSetting]
    /// Platforms built for this image (one manifest each, listed in one index), in
    /// catalogue order; narrowed by `--platform`.
    package let platforms: [Platform]

    private enum CodingKeys: String, CodingKey { case type, repository, dockerfile, context, parent, tags, buildArgs, labels, platforms }

    // Written out so plans from before `platforms` existed still decode (to the default).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            type: try container.decode(String.self, forKey: .type), repository: try container.decode(String.self, forKey: .repository),
            dockerfile: try container.decode(String.self, forKey: .dockerfile), context: try container.decode(String.self, forKey: .context),
            parent: try container.decodeIfPresent(String.self, forKey: .parent), tags: try container.decode([String].self, forKey: .tags),
            buildArgs: try container.decode([PlanSetting].self, forKey: .buildArgs), labels: try container.decode([PlanSetting].self, forKey: .labels),
            platforms: try container.decodeIfPresent([Platform].self, forKey: .platforms) ?? ImageCatalogue.Entry.defaultPlatforms)
    }

    package init(
        type: String, repository: String, dockerfile: String, context: String, parent: String?,
        tags: [String], buildArgs: [PlanSetting], labels: [PlanSetting],
        platforms: [Platform] = ImageCatalogue.Entry.defaultPlatforms
    ) {
        self.platforms = platforms
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
    package var primaryTag: String { tags.first ?? ImageReference.defaultTag }

    /// `repository:primaryTag`.
    package func reference(tag: String? = nil) throws(ImageReferenceError) -> ImageReference {
        try ImageReference(parsing: "\(repository):\(tag ?? primaryTag)")
    }
}

/// The ordered list of images for one release (parents before children).
package struct ReleasePlan: Sendable, Equatable, Codable {
    package let version: ReleaseVersion
    package let images: [PlannedImage]

    package init(version: ReleaseVersion, images: [PlannedImage]) {
        self.version = version
        self.images = images
    }

    /// Every platform some image is built for, in first-seen order.
    package var platforms: [Platform] {
        var seen: [Platform] = []
        for platform in images.flatMap(\.platforms) where !seen.contains(platform) { seen.append(platform) }
        return seen
    }

    /// The images built for `platform`, parents first (a child of platform P is built FROM
    /// its parent's platform-P manifest, so each platform's chain is ordered on its own).
    package func images(for platform: Platform) -> [PlannedImage] {
        images.filter { $0.platforms.contains(platform) }
    }

    // `platforms` is written for CI (the per-platform job matrix) and recomputed on reading.
    private enum CodingKeys: String, CodingKey { case version, images, platforms }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            version: try container.decode(ReleaseVersion.self, forKey: .version),
            images: try container.decode([PlannedImage].self, forKey: .images))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(images, forKey: .images)
        try container.encode(platforms.map(\.description), forKey: .platforms)
    }
}
