import ArgumentParser

struct ContainerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container",
        abstract: "List, refresh and stop project containers.",
        discussion: """
            Project containers are created by the MCP server (project_create) and carry the \
            project's ID as a label. Set OUBLIETTE_CONTAINER_NETWORK (default, none, host or a \
            network name) to choose the network recreated containers join.
            """,
        subcommands: [List.self, Refresh.self, Stop.self, Prune.self]
    )
}
