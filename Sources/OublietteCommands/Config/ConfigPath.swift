import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

extension ConfigCommand {
    struct Path: LoggedCommand {
        static let configuration = CommandConfiguration(abstract: "Print the config file path oubliette reads.")

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            Output.line(OubliettePaths.resolve().configFile.path)
        }
    }
}
