import ArgumentParser
import Foundation
import OublietteCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the runtime and, per container type, its image, digest, version, provenance and whether an update exists.",
        discussion: """
            "Update available" compares the local manifest digest with the registry's (a HEAD \
            request, nothing is pulled). How often the registry is asked follows update_check: \
            always, once (the answer is kept for a day) or never.
            """
    )

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() async throws {
        let context = try CommandContext.load()
        let report = await StatusReporter(config: context.config, runtime: context.runtime,
                                          dataDirectory: context.paths.dataDirectory).report()
        if json { return try printJSON(report) }
        let runtime = report.runtime
        if let error = runtime.error {
            writeLine("Runtime: \(runtime.kind) (unreachable: \(error))")
        } else {
            writeLine("Runtime: \(runtime.kind) \(runtime.version ?? "")\(runtime.apiVersion.map { " (API \($0))" } ?? "")")
        }
        writeLine("Update check: \(report.updateCheck)")
        writeLine("")
        let rows = report.types.map { type -> [String] in
            let digest = type.localDigest.map { String($0.prefix(19)) } ?? "-"
            let update: String
            switch type.update {
            case "available": update = "yes"
            case "up-to-date": update = "no"
            case "not-checked": update = "not checked"
            default: update = "unknown"
            }
            return [type.type, type.image, digest, type.provenance, update]
        }
        writeLine(TextTable(header: ["TYPE", "IMAGE", "DIGEST", "VERSION", "UPDATE AVAILABLE"], rows: rows).rendered)
        for type in report.types {
            if let error = type.updateCheckError { FileHandle.standardError.write(Data("warning: \(type.type): update check failed: \(error)\n".utf8)) }
        }
        if runtime.error != nil { throw ExitCode.failure }
    }
}
