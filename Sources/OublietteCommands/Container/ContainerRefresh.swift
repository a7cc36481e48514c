import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

extension ContainerCommand {
    struct Refresh: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull the latest image for a project's type and recreate its container.",
            discussion: """
                Without a project ID every project whose container is running is refreshed (each \
                image is pulled once). A project with active sessions is not touched: end its \
                sessions first (`oubliette session end`). The new container starts from the freshly \
                pulled image. With image_source "build" or --rebuild-image the image is built instead from \
                the Dockerfiles under --source-dir (default: source_dir in the config). A running container \
                is stopped and replaced only after a yes: asked on a terminal, --yes for scripts (without a \
                terminal and without --yes nothing is done).
                """
        )

        @Argument(help: "The project to refresh (see `oubliette container list`); all running ones when omitted.")
        var projectID: String?

        @OptionGroup var source: ImageSourceFlags

        @OptionGroup var progress: ProgressOptions

        @OptionGroup var jsonOutput: JSONOutputOptions

        @Flag(help: "Skip comparing the image's version label with this oubliette's version before pulling.")
        var ignoreVersion = false

        @Flag(name: .shortAndLong, help: "Replace running containers without asking.")
        var yes = false

        @OptionGroup(title: "Local builds (image_source \"build\", --rebuild-image)")
        var localBuild: LocalBuildOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let config = try OublietteConfig.load(paths: OubliettePaths.resolve())
            let acquisition = try source.resolve(config.imageSource)
            let services = try CommandContext.services(
                checkVersions: !ignoreVersion, localBuild: acquisition == .pull ? nil : try localBuild.settings(configured: config.sourceDirectory))
            let output = LifecycleOutput(progress: progress.style, json: jsonOutput.json)
            let lifecycle = services.lifecycle
            // Projects with active sessions are refused by the refresh itself; ask about the rest.
            let running = try await RunningContainers.find(services, projectIDs: projectID.map { [$0] }).withoutSessions
            if !running.isEmpty {
                try Prompt().confirm("\(running.summary); stop and recreate \(running.count == 1 ? "it" : "them")?", assumeYes: yes)
            }
            if case let .rebuild(noCache) = acquisition {
                return try await rebuildAndReplace(services, noCache: noCache, output: output)
            }
            if let projectID {
                let result = try await lifecycle.refresh(projectID: projectID, onEvent: output.handle)
                if jsonOutput.json { try Output.json([result]) }
                return
            }
            let (refreshed, refused) = try await lifecycle.refreshRunning(onEvent: output.handle)
            if jsonOutput.json {
                try Output.json(RefreshAllReport(refreshed: refreshed, refused: refused.map(\.description)))
            } else if refreshed.isEmpty && refused.isEmpty {
                Output.line("No running project containers to refresh.")
            }
            if !refused.isEmpty { throw ExitCode.failure }
        }

        /// Builds each target's image once from the Dockerfiles (source_dir / --source-dir),
        /// then replaces the containers; projects with active sessions are refused first.
        private func rebuildAndReplace(_ services: OublietteServices, noCache: Bool, output: LifecycleOutput) async throws {
            var targets: [Project] = []
            if let projectID {
                targets = [try await services.projectStore.project(id: projectID)]
            } else {
                for entry in try await RunningContainers.find(services, projectIDs: nil).entries {
                    targets.append(try await services.projectStore.project(id: entry.projectID))
                }
            }
            var refreshed: [RefreshResult] = []
            var refused: [String] = []
            var built: [String: ImageManager.EnsuredImage] = [:]
            for project in targets {
                let sessions = try await services.projectStore.sessions(projectID: project.id).count
                if sessions > 0 {
                    let error = LifecycleError.activeSessions(project: project.id, count: sessions)
                    if projectID != nil { throw error }
                    output.handle(.warning(error.description))
                    refused.append(error.description)
                    continue
                }
                output.handle(.step("Refreshing \(project.id) (\(project.type)): building its image from source..."))
                let image: ImageManager.EnsuredImage
                if let done = built[project.type] {
                    image = done
                } else {
                    image = try await services.images.rebuild(type: project.type, noCache: noCache)
                }
                built[project.type] = image
                refreshed.append(
                    try await services.lifecycle.replaceContainer(of: project, image: image.image, digest: image.image.id, onEvent: output.handle))
            }
            if !refreshed.isEmpty { output.handle(.step("Done.")) }
            if jsonOutput.json {
                if projectID != nil { try Output.json(refreshed) } else { try Output.json(RefreshAllReport(refreshed: refreshed, refused: refused)) }
            } else if refreshed.isEmpty && refused.isEmpty {
                Output.line("No running project containers to refresh.")
            }
            if !refused.isEmpty { throw ExitCode.failure }
        }
    }
}

struct RefreshAllReport: Encodable {
    let refreshed: [RefreshResult]
    let refused: [String]
}
