import ArgumentParser
import CommandSupport
import Foundation
import ImageBuilders
import ImageCatalogue
import OublietteCore

/// Where local builds (`image_source: build`, `--rebuild-image`) find their Dockerfiles and
/// how RUN steps are networked.
struct LocalBuildOptions: ParsableArguments {
    @Option(help: "For local builds: the checkout holding containers/<type>/Dockerfile (default: source_dir in the config, else the current directory).")
    var sourceDir: String?

    @Option(help: "For local builds: --network for RUN steps (e.g. none where the daemon has no bridge).")
    var buildNetwork: String?

    @Flag(help: "For local builds: hide the builder's output while it builds (a failed build still shows its last lines).")
    var quiet = false

    /// Docker's classic builder, building into the engine oubliette uses.
    func settings(configured: String? = nil) throws -> LocalBuildSettings {
        let root = (sourceDir ?? configured).map { URL(fileURLWithPath: $0) }
        return LocalBuildSettings(
            catalogue: try LoadedCatalogue.load(path: nil, root: root),
            builder: DockerBuilder(
                mode: .legacy, network: buildNetwork, runner: BuildToolRunner(log: BuildLogOutput.make(quiet: quiet))))
    }
}
