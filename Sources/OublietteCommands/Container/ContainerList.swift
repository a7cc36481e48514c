import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

extension ContainerCommand {
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
}
