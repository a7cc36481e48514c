import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

struct ContainerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container",
        abstract: "List, refresh and stop project containers.",
        discussion: """
            Project containers are created by the MCP server (project_create) and carry the \
            project's ID as a label. Set OUBLIETTE_CONTAINER_NETWORK (default, none, host or a \
            network name) to choose the network recreated containers join.
            """,
        subcommands: [List.self, Refresh.self, Stop.self, Prune.self]
    )

    struct List: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every project container: PROJECT ID, IMAGE, STATUS.",
            discussion: """
                With --all, also containers this data directory created whose project record is gone \
                (PROJECT shows "(orphan)"); `oubliette container prune` removes them.
                """)

        @Flag(help: "Include orphaned containers (their project was deleted).")
        var all = false

        @OptionGroup var jsonOutput: JSONOutputOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services()
            let containers = try await services.lifecycle.containers(includeOrphans: all)
            if jsonOutput.json { return try Output.json(containers) }
            if containers.isEmpty {
                Output.line("No project containers.")
                return
            }
            let rows = containers.map { [$0.projectName.isEmpty ? "\($0.projectID) (orphan)" : $0.projectID, $0.image, $0.status] }
            Output.line(TextTable(header: ["PROJECT ID", "IMAGE", "STATUS"], rows: rows).rendered)
        }
    }

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

    struct Stop: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a project's container (kept, so it can be refreshed or started again), or all with --all.",
            discussion: """
                A running container is stopped only after a yes: asked on a terminal, --yes for \
                scripts (without a terminal and without --yes nothing is done, exit status 4).
                """
        )

        @Argument(help: "The project whose container to stop.")
        var projectID: String?

        @Flag(help: "Stop every project container.")
        var all = false

        @OptionGroup var jsonOutput: JSONOutputOptions

        @Flag(name: .shortAndLong, help: "Stop running containers without asking.")
        var yes = false

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if all == (projectID != nil) {
                throw ValidationError("give either a project ID or --all (not both)")
            }
        }

        func execute() async throws {
            let services = try CommandContext.services()
            let lifecycle = services.lifecycle
            let selected = all ? nil : projectID.map { [$0] }
            let running = try await RunningContainers.find(services, projectIDs: selected)
            if !running.isEmpty {
                try Prompt().confirm("\(running.summary); stop \(running.count == 1 ? "it" : "them")?", assumeYes: yes)
            }
            let results = try await lifecycle.stop(projectIDs: selected, onEvent: LifecycleOutput(progress: ProgressOption.auto.resolved, json: true).handle)
            if jsonOutput.json { return try Output.json(results) }
            if results.isEmpty { Output.line("No project containers.") }
            for result in results {
                Output.line(result.wasRunning ? "Stopped \(result.projectID)." : "\(result.projectID) was not running.")
            }
        }
    }
}

extension ContainerCommand {
    struct Prune: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove containers whose project record is gone (see `container list --all`).",
            discussion: """
                Orphans that are still running are removed only after a yes: asked on a terminal, \
                --yes for scripts.
                """)

        @OptionGroup var jsonOutput: JSONOutputOptions

        @Flag(name: .shortAndLong, help: "Remove running orphans without asking.")
        var yes = false

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let lifecycle = try CommandContext.services().lifecycle
            let running = try await lifecycle.containers(includeOrphans: true).filter { $0.projectName.isEmpty && $0.state == .running }
            if !running.isEmpty {
                let names = running.map { "\($0.containerID.prefix(12)) (project \($0.projectID))" }.joined(separator: ", ")
                try Prompt().confirm(
                    "\(running.count) orphaned container\(running.count == 1 ? " is" : "s are") running: \(names); remove \(running.count == 1 ? "it" : "them")?",
                    assumeYes: yes)
            }
            let removed = try await lifecycle.removeOrphans()
            if jsonOutput.json { return try Output.json(removed) }
            if removed.isEmpty { Output.line("No orphaned containers.") }
            for container in removed { Output.line("Removed \(container.containerID.prefix(12)) (project \(container.projectID)).") }
        }
    }
}

struct RefreshAllReport: Encodable {
    let refreshed: [RefreshResult]
    let refused: [String]
}

/// The running containers a command is about to stop, with their projects' active sessions,
/// for the question asked first.
struct RunningContainers {
    struct Entry {
        let projectID: String
        let sessions: Int
    }

    let entries: [Entry]
    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    var withoutSessions: RunningContainers { RunningContainers(entries: entries.filter { $0.sessions == 0 }) }

    /// `project P is running with 1 active session`, `2 projects are running: P (1 active session), Q`.
    var summary: String {
        func sessions(_ count: Int) -> String { "\(count) active session\(count == 1 ? "" : "s")" }
        if entries.count == 1, let only = entries.first {
            return "project \(only.projectID) is running" + (only.sessions > 0 ? " with \(sessions(only.sessions))" : "")
        }
        let listed = entries.map { $0.projectID + ($0.sessions > 0 ? " (\(sessions($0.sessions)))" : "") }
        return "\(entries.count) projects are running: \(listed.joined(separator: ", "))"
    }

    /// The running containers of `projectIDs` (every project when nil), of `types` when given.
    static func find(_ services: OublietteServices, projectIDs: [String]?, types: [String]? = nil) async throws -> RunningContainers {
        let containers = try await services.lifecycle.containers().filter { container in
            container.state == .running && (projectIDs.map { $0.contains(container.projectID) } ?? true)
                && (types.map { $0.contains(container.type) } ?? true)
        }
        let sessions = try await services.projectStore.sessions()
        let projects = Set(containers.map(\.projectID)).sorted()
        return RunningContainers(
            entries: projects.map { id in Entry(projectID: id, sessions: sessions.count { $0.projectID == id }) })
    }
}
