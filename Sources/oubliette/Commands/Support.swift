import ArgumentParser
import Foundation
import OublietteCore

/// What most commands need: paths, the config, the runtime and how containers are created.
struct CommandContext {
    let paths: OubliettePaths
    let config: OublietteConfig
    let runtime: any ContainerRuntime
    let settings: ContainerSettings

    static func load() throws -> CommandContext {
        let paths = OubliettePaths.resolve()
        let config = try loadOrExit(paths: paths)
        let runtime = try exitOnError { try config.runtime.makeRuntime() }
        let settings = try exitOnError { try ContainerSettings.fromEnvironment() }
        return CommandContext(paths: paths, config: config, runtime: runtime, settings: settings)
    }

    var provenance: ProvenanceStore { ProvenanceStore(dataDirectory: paths.dataDirectory) }
    var store: ProjectStore { ProjectStore(dataDirectory: paths.dataDirectory) }

    func lifecycle() -> ContainerLifecycle {
        ContainerLifecycle(config: config, runtime: runtime, store: store, provenance: provenance, settings: settings)
    }
}

/// Prints `value` as sorted, pretty JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    writeLine(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes one line to stdout unbuffered, so it interleaves correctly with progress on stderr.
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data("\(text)\n".utf8))
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
}

/// Renders lifecycle steps as lines (stdout, or stderr when stdout carries JSON) and pull
/// progress through the shared progress renderer on stderr.
struct LifecycleOutput: Sendable {
    let progress: ProgressOutput
    let stepsToStderr: Bool

    init(progress: ProgressOption, json: Bool) {
        self.progress = ProgressOutput(style: progress.resolved)
        self.stepsToStderr = json
    }

    func handle(_ event: LifecycleEvent) {
        switch event {
        case let .step(text):
            if stepsToStderr {
                FileHandle.standardError.write(Data("\(text)\n".utf8))
            } else {
                writeLine(text)
            }
        case let .pull(image, pullEvent):
            progress.write(pullEvent, image: image)
        case let .warning(text):
            FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
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
    @Option(help: "For local builds: the checkout holding containers/<type>/Dockerfile (default: the current directory).")
    var sourceDir: String?

    @Option(help: "For local builds: --network for RUN steps (e.g. none where the daemon has no bridge).")
    var buildNetwork: String?

    /// Docker's classic builder, building into the engine oubliette uses.
    func settings() throws -> LocalBuildSettings {
        try exitOnError {
            LocalBuildSettings(
                catalogue: try LoadedCatalogue.load(path: nil, root: sourceDir.map { URL(fileURLWithPath: $0) }),
                builder: DockerBuilder(mode: .legacy, network: buildNetwork))
        }
    }
}
