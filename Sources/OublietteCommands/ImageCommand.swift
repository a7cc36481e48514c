import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore
import SystemSupport

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Make sure the images of the configured container types are present.",
        subcommands: [Pull.self]
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

        @Option(help: "Progress display: auto (bars on a terminal, plain lines otherwise), tty, plain or json.")
        var progress: ProgressOption = .auto

        @Flag(help: "Print the results as JSON on stdout.")
        var json = false

        @Flag(help: "Skip comparing the image's version label with this oubliette's version before pulling.")
        var ignoreVersion = false

        @OptionGroup(title: "Local builds (image_source \"build\")")
        var localBuild: LocalBuildOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let config = try loadOrExit(paths: OubliettePaths.resolve())
            let services = try CommandContext.services(
                checkVersions: !ignoreVersion, localBuild: config.imageSource == .build ? try localBuild.settings() : nil)
            let wanted = types.isEmpty ? config.validTypes : types
            let output = ProgressOutput(style: progress.resolved)

            var results: [PullResult] = []
            for type in wanted {
                do {
                    let ensured = try await services.images.ensureImage(type: type) { event in
                        output.write(event, image: type)
                    }
                    results.append(
                        PullResult(
                            type: type, image: ensured.reference.description, pulled: ensured.pulled,
                            built: ensured.built, digest: ensured.image.repoDigest(for: ensured.reference)?.description,
                            error: nil))
                } catch {
                    results.append(
                        PullResult(
                            type: type, image: (try? config.imageReference(for: type).description) ?? "",
                            pulled: false, built: false, digest: nil, error: describe(error)))
                }
            }

            if json {
                try Output.json(results)
            } else {
                for result in results {
                    if let error = result.error {
                        Output.error(error)
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
}
