import ArgumentParser

/// Agent sessions from the command line: errors that say "end its sessions first" can be
/// acted on without an agent.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "List or end the agent sessions that keep a project's container in use.",
        discussion: """
            Agents start sessions through the MCP server (session_start). While a project has an \
            active session its container is not refreshed or replaced; `oubliette session end ID` \
            ends one (the agent's work in the container is not touched).
            """,
        subcommands: [List.self, End.self]
    )
}
