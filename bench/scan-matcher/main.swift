// bench/sbom-scan's optimised scan timer: the inventory of a rootfs's dpkg database and
// os-release (the packages the SBOM lists), advisories loaded from a directory, matched.
// Built by bench/sbom-scan with swiftc -O from ImageInventory's sources (not through SwiftPM).
import Foundation

@main
struct ScanMatcherBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: scan-matcher ROOTFS DB\n".utf8))
            exit(2)
        }
        let rootfs = URL(fileURLWithPath: arguments[1])
        let status = try String(contentsOf: rootfs.appendingPathComponent("var/lib/dpkg/status"), encoding: .utf8)
        let osText = try String(contentsOf: rootfs.appendingPathComponent("usr/lib/os-release"), encoding: .utf8)
        let inventory = Inventory(
            os: try OSRelease.parse(osText), packages: try DpkgStatusParser.parse(status, file: "var/lib/dpkg/status"), databases: [],
            notes: [])
        let start = Date()
        let names = Set(inventory.packages.flatMap { [$0.name, $0.sourceName] })
        let database = try AdvisoryDatabase.load(directory: URL(fileURLWithPath: arguments[2]), packageNames: names)
        let loaded = Date()
        let report = VulnerabilityMatcher(database: database).scan(
            subject: ImageSubject(name: "bench", manifestDigest: "sha256:0"), inventory: inventory)
        let matched = Date()
        print(
            String(
                format: "load %.3f s, match %.3f s, total %.3f s: %d advisories parsed (%d naming no installed package skipped), %d packages, %d findings",
                loaded.timeIntervalSince(start), matched.timeIntervalSince(loaded), matched.timeIntervalSince(start),
                database.advisories.count, database.skippedCount, inventory.packages.count, report.findings.count))
    }
}
