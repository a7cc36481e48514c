import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

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
