import ArgumentParser
import CommandSupport
import ContainerRuntimes
import Foundation
import ImageCatalogue
import OublietteCore
import SystemSupport
import TerminalProgress

extension ImageCommand {
    struct Pull: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull the images of the given container types (all configured types when none) if missing.",
            discussion: """
                Images already present are not pulled again. With OUBLIETTE_DEV=1 nothing is pulled: a \
                missing image is an error that prints the command to build it. Exits 1 if any type fails.
                """
        )

        @Argument(help: "Container types (see `oubliette config show`).")
        var types: [String] = []

        @OptionGroup var progress: ProgressOptions

        @OptionGroup var jsonOutput: JSONOutputOptions

        @Flag(help: "Skip comparing the image's version label with this oubliette's version before pulling.")
        var ignoreVersion = false

        @Flag(help: "Build the images from the catalogue's Dockerfiles (under --source-dir or source_dir) instead of pulling them.")
        var build = false

        @OptionGroup(title: "Local builds (image_source \"build\")")
        var localBuild: LocalBuildOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let config = try OublietteConfig.load(paths: OubliettePaths.resolve())
            let building = build || config.imageSource == .build
            // A known source directory also lets a failed pull offer to build instead.
            let sourceDirectory = localBuild.sourceDir ?? config.sourceDirectory
            let settings = building || sourceDirectory != nil ? try localBuild.settings(configured: config.sourceDirectory) : nil
            let services = try CommandContext.services(checkVersions: !ignoreVersion, localBuild: settings)
            let wanted = types.isEmpty ? config.validTypes : types
            let output = progress.output()
            let fallback = PullFallback(
                images: services.images, registries: services.registries, settings: settings, sourceDirectory: sourceDirectory)

            var results: [PullResult] = []
            for type in wanted {
                let reference = try? config.imageReference(for: type)
                do {
                    let ensured =
                        build
                        ? try await services.images.rebuild(type: type, noCache: false)
                        : try await services.images.ensureImage(type: type) { event in output.write(event, image: type) }
                    results.append(PullResult(ensured))
                } catch {
                    let outcome = await fallback.afterFailure(error, type: type, reference: reference)
                    results.append(
                        outcome.built.map(PullResult.init)
                            ?? PullResult(
                                type: type, image: reference?.description ?? "", pulled: false, built: false, digest: nil,
                                error: outcome.message, reported: outcome.reported))
                }
            }

            if jsonOutput.json {
                try Output.json(results)
            } else {
                for result in results {
                    if let error = result.error {
                        if !result.reported { Output.error(error) }
                    } else {
                        let outcome = result.built ? "built" : result.pulled ? "pulled" : "present"
                        Output.line("\(result.type): \(result.image) \(outcome)\(result.digest.map { " \($0)" } ?? "")")
                    }
                }
            }
            if results.contains(where: { $0.error != nil }) { throw ExitCode.failure }
        }
    }
}

struct PullResult: Encodable {
    let type: String
    let image: String
    let pulled: Bool
    let built: Bool
    let digest: String?
    let error: String?
    /// Already printed (before a question about it); not part of the JSON.
    var reported = false

    private enum CodingKeys: String, CodingKey { case type, image, pulled, built, digest, error }
}

extension PullResult {
    init(_ ensured: ImageManager.EnsuredImage) {
        self.init(
            type: ensured.type, image: ensured.reference.description, pulled: ensured.pulled, built: ensured.built,
            digest: ensured.image.repoDigest(for: ensured.reference)?.description, error: nil)
    }
}
