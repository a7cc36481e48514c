import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore

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

        @Flag(help: "Print JSON for scripts.")
        var json = false

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services()
            let containers = try await reportingErrors { try await services.lifecycle.containers(includeOrphans: all) }
            if json { return try Output.json(containers) }
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
                sessions first. The new container starts from the freshly pulled image.
                """
        )

        @Argument(help: "The project to refresh (see `oubliette container list`); all running ones when omitted.")
        var projectID: String?

        @OptionGroup var source: ImageSourceFlags

        @Option(help: "Progress display: auto, tty, plain or json.")
        var progress: ProgressOption = .auto

        @Flag(help: "Print the results as JSON on stdout (steps go to stderr).")
        var json = false

        @Flag(help: "Skip comparing the image's version label with this oubliette's version before pulling.")
        var ignoreVersion = false

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services(checkVersions: !ignoreVersion)
            let acquisition = try source.resolve(services.config.imageSource)
            if case .rebuild = acquisition {
                let type = (try? await services.projectStore.project(id: projectID ?? "").type) ?? "(all)"
                Output.error(LifecycleError.rebuildUnavailable(type: type).description)
                throw ExitCode.failure
            }
            let output = LifecycleOutput(progress: progress, json: json)
            let lifecycle = services.lifecycle
            if let projectID {
                let result = try await reportingErrors {
                    try await lifecycle.refresh(projectID: projectID, onEvent: output.handle)
                }
                if json { try Output.json([result]) }
                return
            }
            let (refreshed, refused) = try await reportingErrors {
                try await lifecycle.refreshRunning(onEvent: output.handle)
            }
            if json {
                try Output.json(RefreshAllReport(refreshed: refreshed, refused: refused.map(\.description)))
            } else if refreshed.isEmpty && refused.isEmpty {
                Output.line("No running project containers to refresh.")
            }
            if !refused.isEmpty { throw ExitCode.failure }
        }
    }

    struct Stop: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a project's container (kept, so it can be refreshed or started again), or all with --all."
        )

        @Argument(help: "The project whose container to stop.")
        var projectID: String?

        @Flag(help: "Stop every project container.")
        var all = false

        @Flag(help: "Print JSON for scripts.")
        var json = false

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if all == (projectID != nil) {
                throw ValidationError("give either a project ID or --all (not both)")
            }
        }

        func execute() async throws {
            let lifecycle = try CommandContext.services().lifecycle
            let results = try await reportingErrors {
                try await lifecycle.stop(projectIDs: all ? nil : projectID.map { [$0] })
            }
            if json { return try Output.json(results) }
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
            abstract: "Remove containers whose project record is gone (see `container list --all`).")

        @Flag(help: "Print JSON for scripts.")
        var json = false

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let lifecycle = try CommandContext.services().lifecycle
            let removed = try await reportingErrors { try await lifecycle.removeOrphans() }
            if json { return try Output.json(removed) }
            if removed.isEmpty { Output.line("No orphaned containers.") }
            for container in removed { Output.line("Removed \(container.containerID.prefix(12)) (project \(container.projectID)).") }
        }
    }
}

struct RefreshAllReport: Encodable {
    let refreshed: [RefreshResult]
    let refused: [String]
}
