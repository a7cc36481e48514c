import ArgumentParser
import CommandSupport
import Foundation
import ImageBuilders
import ImageCatalogue
import OublietteCore
import TerminalProgress

/// Loads the config and builds the process's one object graph (``OublietteServices``).
enum CommandContext {
    /// - Parameters:
    ///   - checkVersions: compare image version labels before pulling (`--ignore-version` turns it off).
    ///   - localBuild: how to build images locally, when the command may build.
    static func services(checkVersions: Bool = true, localBuild: LocalBuildSettings? = nil) throws -> OublietteServices {
        let paths = OubliettePaths.resolve()
        let config = try OublietteConfig.load(paths: paths)
        let settings = try ContainerSettings.fromEnvironment()
        let options = OublietteServices.Options(
            checkVersions: checkVersions, localBuild: localBuild,
            warn: { Output.warning($0) }, settings: settings)
        return try OublietteServices.make(paths: paths, config: config, options: options)
    }
}

/// Renders lifecycle steps as lines (stdout, or stderr when stdout carries JSON) and pull
/// progress through the shared progress renderer on stderr.
struct LifecycleOutput: Sendable {
    let progress: ProgressOutput
    let stepsToStderr: Bool

    init(progress: ProgressStyle, json: Bool) {
        self.progress = ProgressOutput(style: progress)
        self.stepsToStderr = json
    }

    func handle(_ event: LifecycleEvent) {
        switch event {
        case let .step(text):
            if stepsToStderr { Output.diagnostic(text) } else { Output.line(text) }
        case let .pull(image, pullEvent):
            progress.write(pullEvent, image: image)
        case let .warning(text):
            Output.warning(text)
        }
    }
}

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
