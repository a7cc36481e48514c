import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import TerminalProgress

struct CatalogueCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalogue",
        abstract: "Print the image catalogue in build order (parents first)."
    )

    @Option(name: .long, help: "Catalogue file (JSONC) to use instead of the shipped catalogue.")
    var catalogue: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let loaded = try LoadedCatalogue.load(path: catalogue)
        let ordered = try loaded.catalogue.buildOrder()
        if json {
            return try Output.json(ordered)
        }
        let rows = ordered.map { [$0.type, $0.repository, $0.parent ?? "-", $0.dockerfile] }
        Output.line(TextTable(header: ["TYPE", "REPOSITORY", "PARENT", "DOCKERFILE"], rows: rows).rendered)
    }
}
