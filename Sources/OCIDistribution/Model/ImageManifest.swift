/// An image manifest (OCI `image.manifest.v1` or Docker `manifest.v2`): a config plus layers.
package struct ImageManifest: Sendable, Hashable, Codable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var artifactType: String?
    package var config: Descriptor
    package var layers: [Descriptor]
    package var subject: Descriptor?
    package var annotations: [String: String]?

    package init(
        schemaVersion: Int = 2, mediaType: String? = MediaType.ociManifest, artifactType: String? = nil,
        config: Descriptor, layers: [Descriptor], subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
    }

    /// Every blob the manifest references, config first.
    package var blobs: [Descriptor] { [config] + layers }
}

/// An image index (OCI `image.index.v1` or Docker manifest list): manifests per platform.
package struct ImageIndex: Sendable, Hashable, Codable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var artifactType: String?
    package var manifests: [Descriptor]
    package var subject: Descriptor?
    package var annotations: [String: String]?

    package init(
        schemaVersion: Int = 2, mediaType: String? = MediaType.ociIndex, artifactType: String? = nil,
        manifests: [Descriptor], subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.manifests = manifests
        self.subject = subject
        self.annotations = annotations
    }
}
