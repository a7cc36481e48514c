import ArgumentParser
import Foundation
import OublietteCore

struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Update container-type images, or roll the last update back.",
        discussion: """
            For each type (all configured types unless --type is given) the current image is \
            first tagged `previous`, then the new one is obtained as image_source says (pull or \
            rebuild; --pull-image / --rebuild-image override it). Only once the new image is in \
            place are running containers of that type recreated; projects with active sessions \
            are left alone and reported. `--rollback` tags `previous` back and recreates likewise.
            """
    )

    @Option(name: .customLong("type"), help: "Only this container type.")
    var type: String?

    @Flag(help: "Restore the image that was current before the last update.")
    var rollback = false

    @OptionGroup var source: ImageSourceFlags

    @OptionGroup(title: "Local builds (--rebuild-image, image_source \"build\")")
    var localBuild: LocalBuildOptions

    @Option(help: "Progress display: auto, tty, plain or json.")
    var progress: ProgressOption = .auto

    @Flag(help: "Print the results as JSON on stdout (steps go to stderr).")
    var json = false

    func validate() throws {
        if rollback && (source.pullImage || source.rebuildImage || source.noCache) {
            throw ValidationError("--rollback restores the previous image; it cannot be combined with --pull-image, --rebuild-image or --no-cache")
        }
    }

    func run() async throws {
        let context = try CommandContext.load()
        let types: [String]
        if let type {
            _ = try exitOnError { try context.config.imageReference(for: type) }
            types = [type]
        } else {
            types = context.config.validTypes
        }
        let acquisition = try source.resolve(context.config.imageSource)
        let output = LifecycleOutput(progress: progress, json: json)
        let updater = ImageUpdater(config: context.config, runtime: context.runtime, provenance: context.provenance,
                                   lifecycle: context.lifecycle(),
                                   localBuild: acquisition == .pull ? nil : try localBuild.settings())
        var results: [UpdateResult] = []
        var failures: [String] = []
        for type in types {
            do {
                if rollback {
                    results.append(try await updater.rollback(type: type, onEvent: output.handle))
                } else {
                    results.append(try await updater.update(type: type, acquisition: acquisition, onEvent: output.handle))
                }
            } catch {
                printError("\(error)")
                failures.append(type)
            }
        }
        if json {
            try printJSON(results)
        } else {
            for result in results where !result.skipped.isEmpty {
                writeLine("\(result.type): left on the old image: \(result.skipped.keys.sorted().joined(separator: ", "))")
            }
        }
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
