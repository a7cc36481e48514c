import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore
import TerminalProgress

extension SessionCommand {
    struct End: LoggedCommand {
        static let configuration = CommandConfiguration(abstract: "End a session (see `oubliette session list`).")

        @Argument(help: "The session to end.")
        var sessionID: String

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let store = try CommandContext.services().projectStore
            let ended = try await store.endSession(id: sessionID)
            Output.line("Ended session \(ended.id) of project \(ended.projectID).")
        }
    }
}
