import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

extension ConfigCommand {
    struct Check: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the config file; exit 1 and print every error (file:line:column) if it is invalid."
        )

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let paths = OubliettePaths.resolve()
            // Every problem, not only the first, so one run fixes them all.
            if let text = try? String(contentsOf: paths.configFile, encoding: .utf8) {
                let problems = OublietteConfig.problems(parsing: text, file: paths.configFile.path)
                for problem in problems { Output.error(problem.description) }
                if !problems.isEmpty {
                    Output.diagnostic("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(paths.configFile.path)")
                    throw ExitStatus.failure
                }
            }
            let config = try OublietteConfig.load(paths: paths)
            Output.line("\(config.sourceFile ?? "\(paths.configFile.path) (absent: defaults)"): OK, \(config.validTypes.count) container types")
        }
    }
}
