import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or check the resolved configuration.",
        subcommands: [Show.self, Check.self, Path.self],
        defaultSubcommand: Show.self
    )

    struct Show: LoggedCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every container type with its image reference and where it came from."
        )

        @OptionGroup var jsonOutput: JSONOutputOptions

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            let paths = OubliettePaths.resolve()
            let config = try OublietteConfig.load(paths: paths)
            if jsonOutput.json {
                try Output.json(ConfigReport(config: config, paths: paths))
                return
            }
            Output.line("config file:  \(paths.configFile.path)\(config.sourceFile == nil ? " (not present; using defaults)" : "")")
            Output.line("data dir:     \(paths.dataDirectory.path)")
            Output.line("image_source: \(config.imageSource.rawValue)")
            Output.line("update_check: \(config.updateCheck.rawValue)")
            Output.line("runtime:      \(config.runtime.rawValue)")
            if let source = config.sourceDirectory { Output.line("source_dir:   \(source)") }
            if !config.insecureRegistries.isEmpty { Output.line("insecure:     \(config.insecureRegistries.joined(separator: ", "))") }
            if !config.registryMirrors.isEmpty { Output.line("mirrors:      \(config.registryMirrors.joined(separator: ", "))") }
            Output.line("")
            let rows = config.validTypes.compactMap { config.containers[$0] }.map {
                [$0.type, $0.reference.description, $0.origin.description]
            }
            Output.line(TextTable(header: ["TYPE", "IMAGE", "SOURCE"], rows: rows).rendered)
        }
    }

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

    struct Path: LoggedCommand {
        static let configuration = CommandConfiguration(abstract: "Print the config file path oubliette reads.")

        @OptionGroup var logging: LoggingOptions

        func execute() async throws {
            Output.line(OubliettePaths.resolve().configFile.path)
        }
    }
}
