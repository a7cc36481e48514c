/// Media types of the OCI image spec and their Docker v2 equivalents.
package enum MediaType {
    package static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    package static let ociIndex = "application/vnd.oci.image.index.v1+json"
    package static let ociConfig = "application/vnd.oci.image.config.v1+json"
    package static let ociLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    package static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
    package static let ociEmpty = "application/vnd.oci.empty.v1+json"
    package static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    package static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    package static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    package static let dockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    /// Every manifest type we can read. Registry 2.8 answers schema1 (different digest) or 404
    /// when the Accept list is partial, so requests always send all four.
    package static let acceptedManifestTypes = [ociManifest, ociIndex, dockerManifest, dockerManifestList]

    /// Layers that are not to be copied between registries: Docker's foreign layers and OCI's
    /// non-distributable ones (their content lives at the descriptor's `urls`).
    package static let nonDistributableLayers: Set<String> = [
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    ]

    /// Whether a blob is copied with its image (skopeo's rule): not when it is a foreign or
    /// non-distributable layer, or names external `urls`.
    package static func isDistributable(_ descriptor: Descriptor) -> Bool {
        !nonDistributableLayers.contains(descriptor.mediaType) && (descriptor.urls ?? []).isEmpty
    }

    package static func isIndex(_ mediaType: String) -> Bool {
        mediaType == ociIndex || mediaType == dockerManifestList
    }

    package static func isManifest(_ mediaType: String) -> Bool {
        mediaType == ociManifest || mediaType == dockerManifest
    }
}
