import ArgumentParser

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or check the resolved configuration.",
        subcommands: [Show.self, Check.self, Path.self],
        defaultSubcommand: Show.self
    )
}
