/// A content descriptor: what a manifest, index or layout says about one blob or manifest.
package struct Descriptor: Sendable, Hashable, Codable {
    package var mediaType: String
    package var digest: Digest
    package var size: Int64
    package var urls: [String]?
    package var annotations: [String: String]?
    package var platform: Platform?
    package var artifactType: String?

    package init(
        mediaType: String, digest: Digest, size: Int64, urls: [String]? = nil,
        annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.platform = platform
        self.artifactType = artifactType
    }

    /// The annotation OCI layouts use to name a manifest (the `tag` in `oci:dir:tag`).
    package static let refNameAnnotation = "org.opencontainers.image.ref.name"
}

/// The platform of an entry in an image index.
package struct Platform: Sendable, Hashable, Codable, CustomStringConvertible {
    package var architecture: String
    package var os: String
    package var variant: String?
    package var osVersion: String?
    package var osFeatures: [String]?

    package init(architecture: String, os: String, variant: String? = nil, osVersion: String? = nil, osFeatures: [String]? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.osVersion = osVersion
        self.osFeatures = osFeatures
    }

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    package var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }
}
