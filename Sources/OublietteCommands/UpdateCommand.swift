import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore
import SystemSupport

struct UpdateCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Update container-type images, or roll the last update back.",
        discussion: """
            For each type (all configured types unless --type is given) the new image is \
            obtained as image_source says (pull or rebuild; --pull-image / --rebuild-image \
            override it). Only once a new, different image is in place does the one it replaced \
            become `previous` and are running containers of that type recreated; an update that \
            brings nothing new, or fails, leaves `previous` as it was. Projects with active \
            sessions are left alone and reported. `--rollback` puts `previous` back (the image it \
            replaces becomes `previous`) and recreates likewise; with no `previous`, or when it is \
            the current image already, it fails and says so.
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

    @Flag(help: "Skip comparing the images' version labels with this oubliette's version before pulling.")
    var ignoreVersion = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if rollback && (source.pullImage || source.rebuildImage || source.noCache) {
            throw ValidationError("--rollback restores the previous image; it cannot be combined with --pull-image, --rebuild-image or --no-cache")
        }
    }

    func execute() async throws {
        let config = try loadOrExit(paths: OubliettePaths.resolve())
        let types: [String]
        if let type {
            _ = try reportingErrors { try config.imageReference(for: type) }
            types = [type]
        } else {
            types = config.validTypes
        }
        let acquisition = try source.resolve(config.imageSource)
        let services = try CommandContext.services(
            checkVersions: !ignoreVersion, localBuild: acquisition == .pull ? nil : try localBuild.settings())
        let output = LifecycleOutput(progress: progress, json: json)
        let updater = services.updater
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
                Output.error(describe(error))
                failures.append(type)
            }
        }
        if json {
            try Output.json(results)
        } else {
            for result in results where !result.skipped.isEmpty {
                Output.line("\(result.type): left on the old image: \(result.skipped.keys.sorted().joined(separator: ", "))")
            }
        }
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
