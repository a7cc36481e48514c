import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import TerminalProgress

extension ConfigCommand {
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
}
