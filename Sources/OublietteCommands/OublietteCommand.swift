import ArgumentParser
import CommandSupport
import ImageCatalogue
import OCIDistribution
import OublietteCore

/// The `oubliette` command tree; the executable target only calls `main()`.
package struct OublietteCommand: AsyncParsableCommand {
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "oubliette",
        abstract: "Sandboxed project containers for AI agents.",
        discussion: """
            Configuration lives in $OUBLIETTE_CONFIG, else $XDG_CONFIG_HOME/oubliette/oubliette.jsonc \
            (default ~/.config/oubliette/oubliette.jsonc). Set OUBLIETTE_DEV=1 to use locally built \
            images (oubliette-base:latest, …) instead of the published ones.

            \(ExitStatus.helpText)
            """,
        version: OublietteVersion.longDescription,
        subcommands: [
            ConfigCommand.self,
            ImageCommand.self,
            InitCommand.self,
            ContainerCommand.self,
            SessionCommand.self,
            StatusCommand.self,
            UpdateCommand.self,
            SelfUpdateCommand.self,
            ServeCommand.self,
        ]
    )

    /// Parses and runs the command line with both tools' exit-status and error conventions.
    package static func runMain() async {
        await CommandMain.run(Self.self)
    }
}
