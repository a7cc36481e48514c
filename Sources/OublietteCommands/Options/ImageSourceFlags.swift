import ArgumentParser
import OublietteCore

/// The mutually exclusive ways to obtain an image; resolved against `image_source`.
struct ImageSourceFlags: ParsableArguments {
    @Flag(help: "Pull the image from its registry, whatever image_source says.")
    var pullImage = false

    @Flag(help: "Rebuild the image locally from the catalogue's Dockerfile, whatever image_source says.")
    var rebuildImage = false

    @Flag(help: "With --rebuild-image: build without the layer cache.")
    var noCache = false

    func validate() throws {
        // The combinations that are wrong whatever the config says fail before any work.
        _ = try resolve(rebuildImage || noCache ? .build : .prebuilt)
    }

    func resolve(_ configured: ImageSource) throws -> ImageAcquisition {
        do {
            return try ImageAcquisition.resolve(pullImage: pullImage, rebuildImage: rebuildImage, noCache: noCache, configured: configured)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
