import ArgumentParser
import CommandSupport
import ImageCatalogue

/// The `release-tool` command tree; the executable target only calls `main()`.
package struct ReleaseToolCommand: AsyncParsableCommand {
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "release-tool",
        abstract: "Build, tag, push and sign Oubliette's container images from the image catalogue.",
        discussion: """
            The catalogue (base, dev, …) is the single list of images; release-tool derives the \
            build order, BASE_IMAGE wiring, tags and .github/workflows/release.yml from it.

            \(ExitStatus.helpText)
            """,
        version: OublietteVersion.longDescription,
        subcommands: [
            CatalogueCommand.self,
            VersionCommand.self,
            PlanCommand.self,
            PublishCommand.self,
            WorkflowCommand.self,
            RegistryCommand.self,
            SbomCommand.self,
            ScanCommand.self,
            KeysCommand.self,
            SignCommand.self,
            VerifyCommand.self,
            VerifyAttestationCommand.self,
            VerifyBundleCommand.self,
        ]
    )

    /// Parses and runs the command line with both tools' exit-status and error conventions.
    package static func runMain() async {
        await CommandMain.run(Self.self)
    }
}
