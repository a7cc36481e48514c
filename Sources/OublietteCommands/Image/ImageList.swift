import ArgumentParser
import CommandSupport
import ContainerRuntimes
import Foundation
import ImageCatalogue
import OublietteCore
import SystemSupport
import TerminalProgress

extension ImageCommand {
    struct List: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each configured type's local image: TYPE, IMAGE, PRESENT, DIGEST, VERSION, and its rollback image.")

        @OptionGroup var jsonOutput: JSONOutputOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services()
            let runtime = services.runtime
            var rows: [ImageRow] = []
            for type in services.config.validTypes {
                let reference = try services.config.imageReference(for: type)
                let image = try await runtime.imageExists(reference) ? try await runtime.inspectImage(reference) : nil
                let previous = ImageUpdater.previousReference(of: reference)
                let hasPrevious = try await runtime.imageExists(previous)
                rows.append(
                    ImageRow(
                        type: type, image: reference.description, present: image != nil, id: image?.id,
                        digest: image?.repoDigest(for: reference)?.description, version: image?.labels[OublietteVersion.label],
                        previous: hasPrevious ? previous.description : nil))
            }
            if jsonOutput.json { return try Output.json(rows) }
            let table = rows.map { row in
                [
                    row.type, row.image, row.present ? "yes" : "no", row.digest.map { String($0.prefix(19)) } ?? "-", row.version ?? "-",
                    row.previous ?? "-",
                ]
            }
            Output.line(TextTable(header: ["TYPE", "IMAGE", "PRESENT", "DIGEST", "VERSION", "ROLLBACK IMAGE"], rows: table).rendered)
        }
    }
}

struct ImageRow: Encodable {
    let type: String
    let image: String
    let present: Bool
    let id: String?
    let digest: String?
    let version: String?
    /// The rollback image (`…:previous`) when it is present.
    let previous: String?
}
