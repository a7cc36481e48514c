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
            the current image already, it fails and says so. \
            Before a rebuild replaces running containers, a terminal is asked; --yes answers for \
            scripts (without a terminal and without --yes nothing is done, exit status 4).
            """
    )

    @Option(name: .customLong("type"), help: "Only this container type.")
    var type: String?

    @Flag(help: "Restore the image that was current before the last update.")
    var rollback = false

    @OptionGroup var source: ImageSourceFlags

    @OptionGroup(title: "Local builds (--rebuild-image, image_source \"build\")")
    var localBuild: LocalBuildOptions

    @OptionGroup var progress: ProgressOptions

    @OptionGroup var jsonOutput: JSONOutputOptions

    @Flag(help: "Skip comparing the images' version labels with this oubliette's version before pulling.")
    var ignoreVersion = false

    @Flag(name: .shortAndLong, help: "With --rebuild-image (or image_source \"build\"): recreate running containers without asking.")
    var yes = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if rollback && (source.pullImage || source.rebuildImage || source.noCache) {
            throw ValidationError("--rollback restores the previous image; it cannot be combined with --pull-image, --rebuild-image or --no-cache")
        }
    }

    func execute() async throws {
        let config = try OublietteConfig.load(paths: OubliettePaths.resolve())
        let types: [String]
        if let type {
            _ = try config.imageReference(for: type)
            types = [type]
        } else {
            types = config.validTypes
        }
        let acquisition = try source.resolve(config.imageSource)
        let services = try CommandContext.services(
            checkVersions: !ignoreVersion, localBuild: acquisition == .pull ? nil : try localBuild.settings(configured: config.sourceDirectory))
        // A rebuild takes minutes and then replaces running containers: ask first. Projects
        // with active sessions are left alone by the update itself.
        if !rollback, case .rebuild = acquisition {
            let running = try await RunningContainers.find(services, projectIDs: nil, types: types).withoutSessions
            if !running.isEmpty {
                try Prompt().confirm(
                    "\(running.summary); rebuild and recreate \(running.count == 1 ? "it" : "them") from the new image?", assumeYes: yes)
            }
        }
        let output = LifecycleOutput(progress: progress.style, json: jsonOutput.json)
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
        if jsonOutput.json {
            try Output.json(results)
        } else {
            for result in results where !result.skipped.isEmpty {
                Output.line("\(result.type): left on the old image: \(result.skipped.keys.sorted().joined(separator: ", "))")
            }
        }
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
