import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import OCIDistribution
import OublietteCore
import SystemSupport

extension ImageSource: ExpressibleByArgument {}

struct InitCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up oubliette: write a commented config, create the data directory and server token, pull every image.",
        discussion: """
            The config's containers section comes from the image catalogue (the shipped one, or \
            --catalogue FILE). An existing config is never overwritten unless --force is given, \
            and then the old file is kept as oubliette.jsonc.bak-<time>. A failed pull is a \
            warning that prints the command to retry by hand; init still exits 0.

            When a config is written, init asks (on a terminal) how images are obtained: pulled \
            prebuilt (default) or built from source. --image-source answers for scripts; without \
            a terminal and without it, the default is kept and init says so.
            """
    )

    @Option(help: "How images are obtained, written to the config as image_source: prebuilt (pull; default) or build.")
    var imageSource: ImageSource?

    @Flag(help: "Replace an existing config file (a backup of it is kept beside it).")
    var force = false

    @Option(help: "A catalogue file to take the container types from instead of the shipped catalogue.")
    var catalogue: String?

    @Flag(help: "Do not pull the images now (they are pulled on first use).")
    var noPull = false

    @OptionGroup var progress: ProgressOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    @Flag(help: "Skip comparing the images' version labels with this oubliette's version before pulling.")
    var ignoreVersion = false

    @OptionGroup var logging: LoggingOptions

    struct Report: Encodable {
        struct Image: Encodable {
            let type: String
            let image: String
            let pulled: Bool
            let warning: String?
        }

        let config: InitConfigOutcome
        let dataDirectory: String
        let tokenFile: String
        let tokenCreated: Bool
        var images: [Image]

        enum CodingKeys: String, CodingKey {
            case config, images
            case dataDirectory = "data_dir", tokenFile = "token_file", tokenCreated = "token_created"
        }
    }

    func execute() async throws {
        let paths = OubliettePaths.resolve()
        let loaded = try LoadedCatalogue.load(path: catalogue)
        let devMode = ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["OUBLIETTE_DEV"]?.lowercased() ?? "")
        let installer = Installer(paths: paths, catalogue: loaded.catalogue, devMode: devMode)
        let outcome = try installer.writeConfig(force: force, imageSource: chooseImageSource)
        try installer.createDataDirectory()
        let token = try ServerToken.ensure(dataDirectory: paths.dataDirectory)
        var report = Report(
            config: outcome, dataDirectory: paths.dataDirectory.path,
            tokenFile: ServerToken.file(in: paths.dataDirectory).path, tokenCreated: token.created, images: [])
        let say: (String) -> Void = { text in
            if jsonOutput.json { Output.diagnostic(text) } else { Output.line(text) }
        }
        switch outcome.action {
        case .written: say("Wrote \(outcome.path)")
        case .kept: say("Kept the existing \(outcome.path) (pass --force to replace it; the old file is backed up)")
        case .replaced: say("Replaced \(outcome.path); the previous file is at \(outcome.backup ?? "?")")
        }
        say("Data directory: \(paths.dataDirectory.path)")
        say("Server token: \(report.tokenFile)\(token.created ? " (created)" : " (already present)")")

        let configured = (try? OublietteConfig.load(paths: paths))?.imageSource ?? .prebuilt
        if configured == .build && !noPull {
            say("image_source is \"build\": images are built on first use, or now with `oubliette image pull` (30–60 min)")
        } else if !noPull {
            report.images = await pullImages(paths: paths, say: say)
        }
        if jsonOutput.json { try Output.json(report) }
    }

    /// The image source for a config about to be written: the flag, else the answer on a
    /// terminal, else the default (said on stderr, so a script sees why nothing was asked).
    private func chooseImageSource() -> ImageSource {
        if let imageSource { return imageSource }
        let choices = [
            (value: ImageSource.prebuilt.rawValue, explanation: "pull the published images (about 2 min)"),
            (value: ImageSource.build.rawValue, explanation: "build them from source (30–60 min; customisable and auditable)"),
        ]
        if let answer = Prompt().choose("How should oubliette obtain its container images?", choices) {
            return ImageSource(rawValue: answer) ?? .prebuilt
        }
        Output.diagnostic("note: image_source: prebuilt (the default; no terminal to ask on). Pass --image-source build to build images from source.")
        return .prebuilt
    }

    /// Pulls every configured image; failures become warnings carrying the manual command.
    private func pullImages(paths: OubliettePaths, say: (String) -> Void) async -> [Report.Image] {
        let config: OublietteConfig
        do { config = try OublietteConfig.load(paths: paths) } catch {
            Output.warning("the config could not be read, so no images were pulled: \(error.description)")
            return []
        }
        let services: OublietteServices
        do {
            services = try OublietteServices.make(
                paths: paths, config: config, options: .init(checkVersions: !ignoreVersion, warn: { Output.warning($0) }))
        } catch {
            Output.warning("\(error.description); images will be pulled on first use, or run `oubliette image pull`")
            return []
        }
        let output = progress.output()
        var images: [Report.Image] = []
        for (type, result) in await services.images.ensureAll(onEvent: { type, event in output.write(event, image: type) }) {
            let image = (try? config.imageReference(for: type).description) ?? type
            switch result {
            case let .success(ensured):
                say("\(type): \(image) \(ensured.pulled ? "pulled" : "already present")")
                images.append(.init(type: type, image: image, pulled: ensured.pulled, warning: nil))
            case let .failure(error):
                Output.warning(describe(error))
                images.append(.init(type: type, image: image, pulled: false, warning: describe(error)))
            }
        }
        return images
    }
}
