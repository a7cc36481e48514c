import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

extension ContainerCommand {
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
