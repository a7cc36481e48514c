import ArgumentParser

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Pull, list and remove the images of the configured container types.",
        subcommands: [Pull.self, List.self, Remove.self]
    )
}
