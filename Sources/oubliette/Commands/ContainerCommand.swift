import ArgumentParser
import Foundation
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
        subcommands: [List.self, Refresh.self, Stop.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every project container: PROJECT ID, IMAGE, STATUS.")

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let context = try CommandContext.load()
            let containers = try await exitOnErrorAsync { try await context.lifecycle().containers() }
            if json { return try printJSON(containers) }
            if containers.isEmpty {
                writeLine("No project containers.")
                return
            }
            let rows = containers.map { [$0.projectID, $0.image, $0.status] }
            writeLine(TextTable(header: ["PROJECT ID", "IMAGE", "STATUS"], rows: rows).rendered)
        }
    }

    struct Refresh: AsyncParsableCommand {
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

        func run() async throws {
            let context = try CommandContext.load()
            let acquisition = try source.resolve(context.config.imageSource)
            if case .rebuild = acquisition {
                let type = (try? await context.store.project(id: projectID ?? "").type) ?? "(all)"
                printError(LifecycleError.rebuildUnavailable(type: type).description)
                throw ExitCode.failure
            }
            let output = LifecycleOutput(progress: progress, json: json)
            let lifecycle = context.lifecycle()
            if let projectID {
                let result = try await exitOnErrorAsync {
                    try await lifecycle.refresh(projectID: projectID, onEvent: output.handle)
                }
                if json { try printJSON([result]) }
                return
            }
            let (refreshed, refused) = try await exitOnErrorAsync {
                try await lifecycle.refreshRunning(onEvent: output.handle)
            }
            if json {
                try printJSON(RefreshAllReport(refreshed: refreshed, refused: refused.map(\.description)))
            } else if refreshed.isEmpty && refused.isEmpty {
                writeLine("No running project containers to refresh.")
            }
            if !refused.isEmpty { throw ExitCode.failure }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a project's container (kept, so it can be refreshed or started again), or all with --all."
        )

        @Argument(help: "The project whose container to stop.")
        var projectID: String?

        @Flag(help: "Stop every project container.")
        var all = false

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            if all == (projectID != nil) {
                throw ValidationError("give either a project ID or --all (not both)")
            }
        }

        func run() async throws {
            let context = try CommandContext.load()
            let lifecycle = context.lifecycle()
            let results = try await exitOnErrorAsync {
                try await lifecycle.stop(projectIDs: all ? nil : projectID.map { [$0] })
            }
            if json { return try printJSON(results) }
            if results.isEmpty { writeLine("No project containers.") }
            for result in results {
                writeLine(result.wasRunning ? "Stopped \(result.projectID)." : "\(result.projectID) was not running.")
            }
        }
    }
}

struct RefreshAllReport: Encodable {
    let refreshed: [RefreshResult]
    let refused: [String]
}

/// Async twin of `exitOnError`: the error's text on stderr and exit status 1.
func exitOnErrorAsync<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("\(error)")
        throw ExitCode.failure
    }
}
