import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore

struct SelfUpdateCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-update",
        abstract: "Replace this oubliette with the newest released binary, or roll the last one back.",
        discussion: """
            Asks the releases API ($OUBLIETTE_RELEASES_URL, default \(ReleaseCatalog.defaultBaseURL)) \
            for the newest stable release (prereleases too with --pre), downloads \
            oubliette-<version>-<os>-<arch>.tar.gz and SHA256SUMS, verifies the checksum, and renames \
            the new binary over this one, keeping the old one as oubliette.previous. A newer \
            binary is never replaced by an older one unless --to names it. `--rollback` puts \
            oubliette.previous back. On any failure the binary is left as it was.
            """
    )

    @Flag(help: "Only say whether a newer release exists; change nothing.")
    var check = false

    // Not `--version`: that prints the version, as on every command of both tools.
    @Option(name: .customLong("to"), help: ArgumentHelp("Install exactly this release (e.g. 1.4.0), older or newer.", valueName: "version"))
    var version: String?

    @Flag(help: "Consider prereleases when looking for the newest release.")
    var pre = false

    @Flag(help: "Restore oubliette.previous, the binary the last self-update replaced.")
    var rollback = false

    // Lets one oubliette update or roll back another installed copy; the tests use it to roll
    // back a stand-in binary that cannot run self-update itself.
    @Option(help: ArgumentHelp("The binary to replace (default: this executable).", visibility: .hidden))
    var binary: String?

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if rollback && (check || version != nil || pre) {
            throw ValidationError("--rollback restores oubliette.previous; it cannot be combined with --check, --to or --pre")
        }
    }

    func execute() async throws {
        let binary = self.binary.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() } ?? SelfUpdater.runningBinary()
        let updater = try reportingErrors {
            SelfUpdater(catalog: ReleaseCatalog.fromEnvironment(), platform: try ReleasePlatform.current(), binary: binary)
        }
        if rollback {
            let result = try await reportingErrors { try await updater.rollback() }
            if json { return try Output.json(result) }
            return Output.line("Rolled back \(result.binary) to \(result.to) (the replaced binary is now \(result.previous)).")
        }
        let plan = try await reportingErrors { try await updater.plan(version: version, includePrereleases: pre) }
        if check || !plan.updateAvailable {
            if json { return try Output.json(plan) }
            if plan.updateAvailable {
                return Output.line("oubliette \(plan.target) is available (this is \(plan.current)); run `oubliette self-update` to install it.")
            }
            return Output.line("oubliette \(plan.current) is up to date (newest release: \(plan.target)).")
        }
        if !json { Output.diagnostic("Downloading \(plan.archive)…") }
        let result = try await reportingErrors { try await updater.install(plan) }
        if json { return try Output.json(result) }
        Output.line("Updated \(result.binary) from \(result.from) to \(result.to); `oubliette self-update --rollback` restores the old one.")
    }
}
