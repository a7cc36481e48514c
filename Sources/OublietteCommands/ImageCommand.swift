import ArgumentParser
import CommandSupport
import ContainerRuntimes
import Foundation
import ImageCatalogue
import OublietteCore
import SystemSupport
import TerminalProgress

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Pull, list and remove the images of the configured container types.",
        subcommands: [Pull.self, List.self, Remove.self]
    )

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

extension ImageCommand {
    struct List: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each configured type's local image: TYPE, IMAGE, PRESENT, DIGEST, VERSION, and its rollback image.")

        @OptionGroup var jsonOutput: JSONOutputOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services()
            let runtime = services.runtime
            var rows: [ImageRow] = []
            for type in services.config.validTypes {
                let reference = try services.config.imageReference(for: type)
                let image = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
                let previous = ImageUpdater.previousReference(of: reference)
                let hasPrevious = try await runtime.imageExists(previous)
                rows.append(
                    ImageRow(
                        type: type, image: reference.description, present: image != nil, id: image?.id,
                        digest: image?.repoDigest(for: reference)?.description, version: image?.labels[OublietteVersion.label],
                        previous: hasPrevious ? previous.description : nil))
            }
            if jsonOutput.json { return try Output.json(rows) }
            let table = rows.map { row in
                [
                    row.type, row.image, row.present ? "yes" : "no", row.digest.map { String($0.prefix(19)) } ?? "-", row.version ?? "-",
                    row.previous ?? "-",
                ]
            }
            Output.line(TextTable(header: ["TYPE", "IMAGE", "PRESENT", "DIGEST", "VERSION", "ROLLBACK IMAGE"], rows: table).rendered)
        }
    }

    struct Remove: LoggedCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a type's local image (pulled again on next use).",
            discussion: """
                The engine refuses while a container uses the image: stop and remove the project \
                first (`oubliette container list`). --previous also removes the rollback image.
                """,
            aliases: ["remove"])

        @Argument(help: "Container types whose images to remove.")
        var types: [String]

        @Flag(help: "Also remove the image `update --rollback` would restore.")
        var previous = false

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services()
            var failed = false
            for type in types {
                let reference = try services.config.imageReference(for: type)
                var references = [reference]
                if previous { references.append(ImageUpdater.previousReference(of: reference)) }
                for name in references {
                    do {
                        guard try await services.runtime.imageExists(name) else {
                            Output.line("\(type): \(name) is not present")
                            continue
                        }
                        try await services.runtime.removeImage(name, force: false)
                        Output.line("\(type): removed \(name)")
                    } catch {
                        Output.error("\(type): could not remove \(name): \(describe(error))")
                        failed = true
                    }
                }
            }
            if failed { throw ExitStatus.failure }
        }
    }
}

struct ImageRow: Encodable {
    let type: String
    let image: String
    let present: Bool
    let id: String?
    let digest: String?
    let version: String?
    /// The rollback image (`…:previous`) when it is present.
    let previous: String?
}
