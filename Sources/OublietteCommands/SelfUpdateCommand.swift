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
            oubliette-<version>-<os>-<arch>.tar.gz and SHA256SUMS, verifies the checksum, then the \
            archive's Sigstore bundle (<archive>.sigstore.json, offline, against the shipped \
            public-good trusted root or --trusted-root): it must be signed by the release workflow \
            (.github/workflows/release.yml of \(ReleaseCatalog.defaultRepository) on a v* tag, OIDC issuer \
            https://token.actions.githubusercontent.com). A release without a bundle is refused \
            unless --insecure-skip-signature is given. Only then is the archive unpacked and \
            the new binary renamed over this one, keeping the old one as oubliette.previous. A newer \
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

    @Flag(
        help: ArgumentHelp(
            "Install without a verified Sigstore bundle, on the strength of SHA256SUMS alone (which comes from the same server as the archive)."
        ))
    var insecureSkipSignature = false

    @Option(
        help: ArgumentHelp(
            "A trusted_root.json to verify the archive's bundle against (default: the shipped Sigstore public-good root).", valueName: "FILE"))
    var trustedRoot: String?

    @Flag(help: "Restore oubliette.previous, the binary the last self-update replaced.")
    var rollback = false

    // Lets one oubliette update or roll back another installed copy; the tests use it to roll
    // back a stand-in binary that cannot run self-update itself.
    @Option(help: ArgumentHelp("The binary to replace (default: this executable).", visibility: .hidden))
    var binary: String?

    @OptionGroup var jsonOutput: JSONOutputOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if rollback && (check || version != nil || pre || insecureSkipSignature || trustedRoot != nil) {
            throw ValidationError(
                "--rollback restores oubliette.previous; it cannot be combined with --check, --to, --pre, --insecure-skip-signature or --trusted-root")
        }
        if insecureSkipSignature && trustedRoot != nil {
            throw ValidationError("--trusted-root is for verifying the bundle; --insecure-skip-signature skips that check")
        }
    }

    func execute() async throws {
        let binary = self.binary.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() } ?? SelfUpdater.runningBinary()
        let catalog = ReleaseCatalog.fromEnvironment()
        // Rollback and --check install nothing, so they need no trusted root.
        let signature: ArchiveSignaturePolicy =
            insecureSkipSignature || rollback || check
            ? .checksumOnly
            : try .releaseWorkflow(
                repository: ArchiveSignaturePolicy.repository(forReleasesAt: catalog.baseURL),
                trustedRootFile: trustedRoot.map { URL(fileURLWithPath: $0) })
        let updater = SelfUpdater(catalog: catalog, platform: try ReleasePlatform.current(), binary: binary, signature: signature)
        if rollback {
            let result = try await updater.rollback()
            if jsonOutput.json { return try Output.json(result) }
            return Output.line("Rolled back \(result.binary) to \(result.to) (the replaced binary is now \(result.previous)).")
        }
        let plan = try await updater.plan(version: version, includePrereleases: pre)
        if check || !plan.updateAvailable {
            if jsonOutput.json { return try Output.json(plan) }
            if plan.updateAvailable {
                return Output.line("oubliette \(plan.target) is available (this is \(plan.current)); run `oubliette self-update` to install it.")
            }
            return Output.line("oubliette \(plan.current) is up to date (newest release: \(plan.target)).")
        }
        if !jsonOutput.json { Output.diagnostic("Downloading \(plan.archive)…") }
        let result = try await updater.install(plan)
        if jsonOutput.json { return try Output.json(result) }
        let verified =
            result.signedBy.map { "signature verified: signed by \($0)" }
            ?? "only the checksum was verified (--insecure-skip-signature): nothing proves who built it"
        Output.line(
            "Updated \(result.binary) from \(result.from) to \(result.to) (\(verified)); `oubliette self-update --rollback` restores the old one.")
    }
}
