import ArgumentParser
import AsyncHTTPClient
import CommandSupport
import Foundation
import ImageCatalogue
import ImageInventory
import OCIDistribution
import SystemSupport

extension Severity: ExpressibleByArgument {}

/// `release-tool scan`: an image's packages against OSV advisories, offline; or
/// `--update-db` to refresh the advisory database.
struct ScanCommand: LoggedCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, sarif
    }

    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Match an image's packages against OSV advisories (table, JSON or SARIF).",
        discussion: """
            The image's packages come from its own layers (as `sbom` reads them); advisories \
            from a directory of OSV records (--db), matched by source package in the image's \
            ecosystem (Debian:12, Alpine:v3.x) with that ecosystem's version ordering. \
            Withdrawn records are skipped; severity comes from the record's CVSS v3 vector, \
            else its textual severity, else `unknown`.
            Exit status: 0 when nothing reaches --fail-on (default: report only), 3 when a \
            finding does, 2 when the advisory database is missing or holds no records (a scan \
            against nothing is not a clean result; --allow-empty-db scans anyway), 1 on errors.
            --update-db DIR downloads the osv.dev exports (--url, repeatable; default the \
            Debian and Alpine all.zip), checks every record, and swaps them in only when all did; without \
            network it keeps the database there and says how old it is.
            Examples:
              release-tool scan --update-db ~/.cache/osv
              release-tool scan ghcr.io/acme/base:1.4.0 --db ~/.cache/osv --fail-on high
              release-tool scan oci:build/base:1.4.0 --db ~/.cache/osv --format sarif --output base.sarif
            """
    )

    @Argument(help: "The image: REGISTRY/REPO[:TAG|@DIGEST] (or docker://…) or oci:DIR[:TAG].")
    var image: String?

    @Option(help: "Directory of OSV advisories (*.json, or *.zip exports).")
    var db: String?

    @Option(name: .customLong("fail-on"), help: "Exit 3 when a finding is at least this severe: low, medium, high or critical.")
    var failOn: Severity?

    @Option(help: "table, json or sarif.")
    var format: Format = .table

    @Flag(
        name: .customLong("allow-empty-db"),
        help: "Scan even when --db is missing or holds no advisory records (the report then says 0 advisories).")
    var allowEmptyDB = false

    @Option(help: "Write the report to this file (atomically) instead of stdout.")
    var output: String?

    @Option(name: .customLong("update-db"), help: "Download the advisory exports into this directory (replaces it whole).")
    var updateDB: String?

    @Option(help: "With --update-db: an OSV zip export to download. Repeatable.")
    var url: [String] = []

    @Option(help: "With --update-db: download progress on stderr: auto (bars on a terminal, plain lines otherwise), tty, plain or json.")
    var progress: ProgressOption = .auto

    @OptionGroup var source: ImageInventoryOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if updateDB != nil {
            guard image == nil else { throw ValidationError("--update-db updates the database only; scan the image in a second call") }
            return
        }
        guard image != nil else { throw ValidationError("name an image to scan (or --update-db DIR)") }
        guard db != nil else { throw ValidationError("--db DIR is needed: the advisory directory (create it with --update-db DIR)") }
        if let failOn, failOn == .unknown || failOn == .none {
            throw ValidationError("--fail-on takes low, medium, high or critical")
        }
        if !url.isEmpty { throw ValidationError("--url goes with --update-db") }
    }

    func execute() async throws {
        if let updateDB {
            try await update(URL(fileURLWithPath: updateDB))
            return
        }
        guard let image, let db else { return }
        let (subject, inventory) = try await source.read(image)
        // Only the records of the image's packages (source and binary names) are parsed.
        let names = Set(inventory.packages.flatMap { [$0.name, $0.sourceName] })
        let database = try loadDatabase(db, packageNames: names)
        if let metadata = database.metadata {
            Output.diagnostic("note: advisory database \(db) is \(metadata.age())")
        } else {
            Output.diagnostic("note: advisory database \(db) has no \(AdvisoryDatabaseMetadata.fileName); its age is unknown")
        }
        let report = VulnerabilityMatcher(database: database).scan(subject: subject, inventory: inventory)
        for note in report.notes { Output.warning("note: \(note)") }
        try write(report)
        if let failOn {
            let failing = report.findings(atLeast: failOn)
            if !failing.isEmpty {
                Output.error("\(failing.count) finding(s) at or above \(failOn.rawValue) in \(report.image.name)")
                throw ExitStatus.gateFailed
            }
        }
    }

    /// The advisories under `db`; a missing or record-less database is exit 2 unless
    /// --allow-empty-db, since "0 findings" against no advisories says nothing.
    private func loadDatabase(_ db: String, packageNames: Set<String>) throws -> AdvisoryDatabase {
        let directory = URL(fileURLWithPath: db)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory) && isDirectory.boolValue
        let database = exists ? try AdvisoryDatabase.load(directory: directory, packageNames: packageNames) : AdvisoryDatabase()
        if database.recordCount == 0 {
            guard allowEmptyDB else {
                Output.error("no advisories loaded from \(db); run `scan --update-db \(db)` (or pass --allow-empty-db to scan anyway)")
                throw ExitCode(2)
            }
            Output.warning("warning: no advisories loaded from \(db); scanning anyway (--allow-empty-db): no finding can be reported")
        }
        return database
    }

    private func write(_ report: ScanReport) throws {
        let text: String
        switch format {
        case .json:
            text = try Output.jsonText(report)
        case .sarif:
            let log = SARIFLog(
                report: report, toolName: "release-tool scan", toolVersion: OublietteVersion.current,
                informationURI: "https://github.com/hyphagroup/oubliette")
            text = try Output.documentText(log)
        case .table:
            text = Self.table(report)
        }
        if let output {
            try AtomicFile.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8), to: URL(fileURLWithPath: output))
            Output.diagnostic("wrote \(output): \(report.findings.count) findings in \(report.packagesScanned) packages")
        } else {
            Output.line(text)
        }
    }

    static func table(_ report: ScanReport) -> String {
        var rows = [["SEVERITY", "ADVISORY", "PACKAGE", "INSTALLED", "FIXED IN", "SUMMARY"]]
        for finding in report.findings {
            let summary = finding.summary ?? finding.aliases.joined(separator: " ")
            rows.append([
                finding.severity.rawValue, finding.advisory, finding.package, finding.installedVersion, finding.fixedVersion ?? "-",
                summary.count > 60 ? String(summary.prefix(57)) + "..." : summary,
            ])
        }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { $0.offset == 5 ? $0.element : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        let bySeverity = Dictionary(grouping: report.findings, by: \.severity).mapValues(\.count)
        let counts = Severity.allCases.reversed().compactMap { severity in bySeverity[severity].map { "\($0) \(severity.rawValue)" } }
        lines.append(
            "\(report.findings.count) findings in \(report.packagesScanned) packages of \(report.image.name)@\(report.image.manifestDigest)"
                + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
                + "; \(report.advisoriesLoaded) advisories (\(report.withdrawnSkipped) withdrawn, skipped)")
        return lines.joined(separator: "\n")
    }

    private func update(_ directory: URL) async throws {
        // The client the updater needs (no connection retries, its deadlines), shut down on every path.
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: AdvisoryDatabaseUpdater.downloadClientConfiguration)
        do {
            try await update(directory, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }

    private func update(_ directory: URL, client: HTTPClient) async throws {
        let urls = url.isEmpty ? AdvisoryDatabaseUpdater.defaultEcosystems.map(AdvisoryDatabaseUpdater.defaultURL) : url
        // The pull/transfer progress renderer: one bar per export, then a closing line.
        let output = ProgressOutput(style: progress.resolved)
        let updater = AdvisoryDatabaseUpdater(httpClient: client) { progress in
            let status: String
            switch progress.phase {
            case .connecting: status = "Connecting"
            case .downloading: status = "Downloading"
            case .checking: status = "Checking records"
            case .done: status = "Done"
            }
            output.write(PullEvent(layer: progress.name, status: status, current: progress.received, total: progress.total), image: "advisories")
        }
        do {
            let metadata: AdvisoryDatabaseMetadata
            do {
                metadata = try await updater.update(directory: directory, urls: urls)
            } catch {
                output.write(PullEvent(status: "update failed"), image: "advisories")
                throw error
            }
            output.write(PullEvent(status: "downloaded \(metadata.sources.count) export(s)"), image: "advisories")
            let total = metadata.sources.reduce(0) { $0 + $1.records }
            Output.line("updated \(directory.path): \(total) advisories from \(metadata.sources.count) export(s)")
        } catch {
            // Offline: keep using what is there, and say how old it is.
            if let existing = try? AdvisoryDatabase.load(directory: directory), let metadata = existing.metadata {
                Output.warning("could not update the advisory database: \(describe(error))")
                Output.line("kept \(directory.path): \(existing.advisories.count) advisories, \(metadata.age())")
                return
            }
            throw error
        }
    }
}
