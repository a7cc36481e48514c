import ArgumentParser
import CommandSupport
import ContainerRuntimes
import Foundation
import ImageCatalogue
import OublietteCore
import SystemSupport
import TerminalProgress

extension ImageCommand {
    struct Remove: LoggedCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a type's local image (pulled again on next use).",
            discussion: """
                The engine refuses while a container uses the image: stop and remove the project \
                first (`oubliette container list`). --previous also removes the rollback image.
                """,
            aliases: ["remove"])

        @Argument(help: "Container types whose images to remove.")
        var types: [String]

        @Flag(help: "Also remove the image `update --rollback` would restore.")
        var previous = false

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let services = try CommandContext.services()
            var failed = false
            for type in types {
                let reference = try services.config.imageReference(for: type)
                var references = [reference]
                if previous { references.append(ImageUpdater.previousReference(of: reference)) }
                for name in references {
                    do {
                        guard try await services.runtime.imageExists(name) else {
                            Output.line("\(type): \(name) is not present")
                            continue
                        }
                        try await services.runtime.removeImage(name, force: false)
                        Output.line("\(type): removed \(name)")
                    } catch {
                        Output.error("\(type): could not remove \(name): \(describe(error))")
                        failed = true
                    }
                }
            }
            if failed { throw ExitStatus.failure }
        }
    }
}
