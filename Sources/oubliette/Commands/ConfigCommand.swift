import ArgumentParser
import Foundation
import OublietteCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or check the resolved configuration.",
        subcommands: [Show.self, Check.self, Path.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every container type with its image reference and where it came from."
        )

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let paths = OubliettePaths.resolve()
            let config = try loadOrExit(paths: paths)
            if json {
                print(try ConfigReport(config: config, paths: paths).jsonString())
                return
            }
            print("config file:  \(paths.configFile.path)\(config.sourceFile == nil ? " (not present; using defaults)" : "")")
            print("data dir:     \(paths.dataDirectory.path)")
            print("image_source: \(config.imageSource.rawValue)")
            print("update_check: \(config.updateCheck.rawValue)")
            print("runtime:      \(config.runtime.rawValue)")
            if !config.insecureRegistries.isEmpty { print("insecure:     \(config.insecureRegistries.joined(separator: ", "))") }
            if !config.registryMirrors.isEmpty { print("mirrors:      \(config.registryMirrors.joined(separator: ", "))") }
            print("")
            let rows = config.validTypes.compactMap { config.containers[$0] }.map {
                [$0.type, $0.reference.description, $0.origin.description]
            }
            print(TextTable(header: ["TYPE", "IMAGE", "SOURCE"], rows: rows).rendered)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the config file; exit 1 and print the error if it is invalid."
        )

        func run() async throws {
            let paths = OubliettePaths.resolve()
            let config = try loadOrExit(paths: paths)
            print("\(config.sourceFile ?? "\(paths.configFile.path) (absent: defaults)"): OK, \(config.validTypes.count) container types")
        }
    }

    struct Path: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the config file path oubliette reads.")

        func run() async throws {
            print(OubliettePaths.resolve().configFile.path)
        }
    }
}

/// Loads the config, or prints the located error and exits 1 (never a crash).
func loadOrExit(paths: OubliettePaths) throws -> OublietteConfig {
    do {
        return try OublietteConfig.load(paths: paths)
    } catch {
        printError(error.description)
        throw ExitCode.failure
    }
}
