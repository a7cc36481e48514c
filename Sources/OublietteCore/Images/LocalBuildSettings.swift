import Foundation
import ImageBuilders
import ImageCatalogue

/// What `image_source: build` needs: the catalogue's Dockerfiles and a builder that leaves
/// images in the local engine.
package struct LocalBuildSettings: Sendable {
    package let catalogue: LoadedCatalogue
    package let builder: any EngineImageBuilder
    /// Extra build arguments for every image (e.g. a base image override for offline builds).
    package let buildArguments: [String: String]
    /// Scratch space for builders that need it.
    package let scratchDirectory: URL

    package init(
        catalogue: LoadedCatalogue, builder: any EngineImageBuilder, buildArguments: [String: String] = [:],
        scratchDirectory: URL = FileManager.default.temporaryDirectory
    ) {
        self.catalogue = catalogue
        self.builder = builder
        self.buildArguments = buildArguments
        self.scratchDirectory = scratchDirectory
    }
}
