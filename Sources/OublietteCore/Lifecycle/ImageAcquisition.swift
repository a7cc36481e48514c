/// How an image is obtained for an update or refresh: pulled from its registry, or rebuilt
/// from the catalogue's Dockerfiles.
package enum ImageAcquisition: Sendable, Equatable {
    case pull
    case rebuild(noCache: Bool)

    /// Combines the command-line flags with the configured `image_source`; flags win.
    /// `--pull-image` and `--rebuild-image` exclude each other, and `--no-cache` needs a rebuild.
    package static func resolve(pullImage: Bool, rebuildImage: Bool, noCache: Bool, configured: ImageSource) throws(LifecycleError) -> ImageAcquisition {
        if pullImage && rebuildImage {
            throw .conflictingImageFlags("--pull-image and --rebuild-image cannot be used together: pick one way to obtain the image")
        }
        if pullImage && noCache {
            throw .conflictingImageFlags(
                "--no-cache only applies to --rebuild-image; a pull has no build cache (drop --no-cache or use --rebuild-image --no-cache)")
        }
        if rebuildImage { return .rebuild(noCache: noCache) }
        if pullImage { return .pull }
        switch configured {
        case .prebuilt:
            if noCache {
                throw .conflictingImageFlags("--no-cache only applies to rebuilds; add --rebuild-image, or set \"image_source\": \"build\"")
            }
            return .pull
        case .build:
            return .rebuild(noCache: noCache)
        }
    }
}
