import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import OublietteCore
import TerminalProgress

struct StatusCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the runtime and, per container type, its image, digest, version, provenance and whether an update exists.",
        discussion: """
            "Update available" compares the local manifest digest with the registry's (a HEAD \
            request, nothing is pulled). How often the registry is asked follows update_check: \
            always, once (the answer is kept for a day) or never. The CLI line compares this \
            oubliette with the newest stable release (asked at most once a day, within the same \
            deadline; off with update_check never) and notes images whose version label differs, \
            naming `oubliette self-update` or `oubliette update`. When the engine cannot be \
            reached, the local images cannot be seen: every update shows as unknown and the \
            command exits 1, with or without --json. Images built locally (image_source "build") \
            are not compared with a registry.
            """
    )

    @OptionGroup var jsonOutput: JSONOutputOptions

    @OptionGroup var logging: LoggingOptions

    /// `oubliette 1.2.0 (1.3.0 is available: run `oubliette self-update`)`, …
    static func cliLine(_ cli: CLIStatus) -> String {
        let detail: String
        if cli.updateAvailable, let latest = cli.latest {
            detail = "\(latest) is available: run `oubliette self-update`"
        } else if let latest = cli.latest {
            detail = OublietteVersion.isDevelopment(cli.version) ? "development build; newest release \(latest)" : "up to date"
        } else if cli.checkError != nil {
            detail = "newest release unknown: offline"
        } else {
            detail = "newest release not checked"
        }
        return "oubliette \(cli.version) (\(detail))"
    }

    func execute() async throws {
        let report = try await CommandContext.services().status.report()
        let runtime = report.runtime
        // Text and JSON share one exit status: an unreachable engine is a failure in both.
        if jsonOutput.json {
            try Output.json(report)
            if runtime.error != nil { throw ExitStatus.failure }
            return
        }
        if let error = runtime.error {
            Output.line("Runtime: \(runtime.kind) (unreachable: \(error))")
        } else {
            Output.line(
                "Runtime: \(runtime.kind) \(runtime.version ?? "")\(runtime.apiVersion.map { " (API \($0))" } ?? "")"
                    + (runtime.platform.map { ", runs \($0)" } ?? ""))
        }
        Output.line("Update check: \(report.updateCheck)")
        Output.line("CLI: \(Self.cliLine(report.cli))")
        Output.line("")
        let rows = report.types.map { type -> [String] in
            let digest = type.localDigest.map { String($0.prefix(19)) } ?? "-"
            let update: String
            switch type.update {
            case "available": update = "yes"
            case "up-to-date": update = "no"
            case "not-checked": update = "not checked"
            default: update = type.updateCheckError?.hasPrefix("offline") == true ? "unknown (offline)" : "unknown"
            }
            return [type.type, type.image, digest, type.provenance, update]
        }
        Output.line(TextTable(header: ["TYPE", "IMAGE", "DIGEST", "VERSION", "UPDATE AVAILABLE"], rows: rows).rendered)
        // Which platform each image is, of those its release published (recorded at pull time).
        for type in report.types where type.present {
            guard let platform = type.platform else { continue }
            let published = type.publishedPlatforms.map { " (published: \($0.joined(separator: ", ")))" } ?? ""
            Output.line("Platform of \(type.type): \(platform)\(published)")
        }
        // With the engine down the runtime line already says why every update is unknown.
        for type in report.types where runtime.error == nil {
            if let error = type.updateCheckError { Output.warning("\(type.type): update check failed: \(error)") }
        }
        for note in report.cli.versionNotes { Output.warning("note: \(note)") }
        if runtime.error != nil { throw ExitStatus.failure }
    }
}
