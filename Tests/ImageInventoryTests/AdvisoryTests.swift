import Foundation
import ImageInventory
import Testing

@Suite("OSV advisories: parsing, CVSS ratings, matching, SARIF")
struct AdvisoryTests {
    static var osvFixtures: URL { TestLayout.fixtures.appendingPathComponent("osv") }

    @Test("CVSS v3 base scores as FIRST's calculator gives them")
    func cvss() {
        #expect(CVSSVector.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8)
        #expect(CVSSVector.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H") == 10.0)
        #expect(CVSSVector.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == 6.1)
        #expect(CVSSVector.baseScore("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N") == 5.5)
        #expect(CVSSVector.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N") == 0.0)
        #expect(CVSSVector.baseScore("CVSS:3.1/AV:X") == nil)
        #expect(Severity(score: 9.8) == .critical)
        #expect(Severity(score: 6.1) == .medium)
    }

    @Test("CVSS v4.0 scores by the macrovector method; malformed vectors are not scored")
    func cvss4() {
        let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        // As PyPI cvss 3.6 (FIRST's method as Red Hat implements it) scores them.
        #expect(CVSSVector.baseScore(base) == 9.3)
        #expect(CVSSVector.baseScore("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") == 8.5)
        #expect(CVSSVector.baseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N") == 0.0)
        // Threat metrics lower it (unreported exploitation), environmental ones can raise it.
        #expect(CVSSVector.baseScore(base + "/E:U") == 8.1)
        #expect(CVSSVector.baseScore(base + "/E:X") == 9.3)
        #expect(CVSSVector.baseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/MSA:S") == 10.0)
        #expect(Severity(score: 9.3) == .critical)
        for malformed in [
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", // SA missing
            base + "/AV:N", // a metric twice
            base + "/E:Q", // a value the metric does not have
            base + "/", // an empty field
            base + "/ZZ:A", // no such metric
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", // S only as a modified value
            "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ] {
            #expect(CVSSVector.baseScore(malformed) == nil, "\(malformed)")
        }
    }

    @Test("a fixture record parses with its fields")
    func parse() throws {
        let data = try Data(contentsOf: Self.osvFixtures.appendingPathComponent("Debian/FIXTURE-DEB-0001.json"))
        let advisory = try OSVParser.parse(data, file: "FIXTURE-DEB-0001.json")
        #expect(advisory.id == "FIXTURE-DEB-0001")
        #expect(advisory.severity == .critical)
        #expect(advisory.score == 9.8)
        #expect(advisory.affected.first?.ecosystem == "Debian:12")
        #expect(advisory.affected.first?.ranges.first?.events.count == 2)
    }

    @Test("a record rated only by a CVSS_V4 vector gets that score; with a v3 vector too, the higher one counts")
    func cvss4Record() throws {
        let v4 = #"{"type": "CVSS_V4", "score": "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}"#
        let v3 = #"{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}"#
        let only = try OSVParser.parse(Data(#"{"id": "FIXTURE-V4", "severity": [\#(v4)]}"#.utf8), file: "v4.json")
        #expect(only.score == 8.5 && only.severity == .high)
        let both = try OSVParser.parse(Data(#"{"id": "FIXTURE-V3V4", "severity": [\#(v4), \#(v3)]}"#.utf8), file: "both.json")
        #expect(both.score == 9.8 && both.severity == .critical)
    }

    @Test(
        "malformed records: errors at line:column",
        arguments: [
            ("{\n  \"id\": 5\n}", 2, 9), ("{\"id\": \"X\", \"affected\": {}}", 1, 25), ("{\n\"id\": \"X\",\n", 3, 1), ("[1, 2", 1, 6),
            ("{\"id\": \"\\q\"}", 1, 10), ("{\"modified\": \"x\"}", 1, 1), ("{\"id\": \"X\"} trailing", 1, 13),
        ])
    func malformed(text: String, line: Int, column: Int) {
        #expect {
            _ = try OSVParser.parse(Data(text.utf8), file: "bad.json")
        } throws: { error in
            guard case let .malformed(file, at, _) = error as? InventoryError else { return false }
            return file == "bad.json" && at == TextPosition(line: line, column: column)
        }
    }

    @Test("loading for given package names parses only their records, from files and from a zip export")
    func filteredLoad() throws {
        let all = try AdvisoryDatabase.load(directory: Self.osvFixtures)
        let some = try AdvisoryDatabase.load(directory: Self.osvFixtures, packageNames: ["busybox", "glibc"])
        #expect(Set(some.advisories.map(\.id)) == ["FIXTURE-APK-0001", "FIXTURE-DEB-0001"])
        #expect(some.skippedCount == all.advisories.count + all.withdrawnCount - 2)
        let directory = try TestLayout.temporaryDirectory("zipdb")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ZipBuilder.fixtureExport("Debian").write(to: directory.appendingPathComponent("all.zip"))
        let zipped = try AdvisoryDatabase.load(directory: directory, packageNames: ["glibc", "zlib"])
        #expect(Set(zipped.advisories.map(\.id)) == ["FIXTURE-DEB-0001", "FIXTURE-DEB-0002", "FIXTURE-DEB-0003"])
        #expect(try AdvisoryDatabase.load(directory: directory).advisories.count == 13)
    }

    @Test("range semantics: introduced/fixed/last_affected/limit, versions, '0'")
    func ranges() {
        func affected(_ events: [Advisory.Event], _ version: String, versions: [String] = []) -> Bool {
            let entry = Advisory.Affected(
                ecosystem: "Debian:12", name: "x", ranges: [Advisory.Range(type: "ECOSYSTEM", events: events)], versions: versions, severity: nil)
            return VulnerabilityMatcher.verdict(entry, version: version, ordering: .debian).affected
        }
        let fixed: [Advisory.Event] = [.init(kind: .introduced, version: "0"), .init(kind: .fixed, version: "1:2.0-1")]
        #expect(affected(fixed, "1:1.9-1"))
        #expect(!affected(fixed, "1:2.0-1"))
        #expect(affected(fixed, "2.5-1"), "no epoch sorts below 1:")
        let tilde: [Advisory.Event] = [.init(kind: .introduced, version: "1.0"), .init(kind: .fixed, version: "1.2")]
        #expect(affected(tilde, "1.2~rc1"))
        #expect(!affected(tilde, "1.0~rc1"))
        let last: [Advisory.Event] = [.init(kind: .introduced, version: "1.0"), .init(kind: .lastAffected, version: "1.5")]
        #expect(affected(last, "1.5"))
        #expect(!affected(last, "1.5.1"))
        let reintroduced: [Advisory.Event] = [
            .init(kind: .introduced, version: "1.0"), .init(kind: .fixed, version: "1.2"), .init(kind: .introduced, version: "2.0"),
        ]
        #expect(!affected(reintroduced, "1.3"))
        #expect(affected(reintroduced, "2.1"))
        #expect(affected([], "3.0", versions: ["3.0"]))
        #expect(!affected([], "3.0", versions: ["3.1"]))
    }

    @Test("the apk fixture image against the fixture advisories: expected findings, SARIF shape")
    func scanApkFixture() throws {
        let installed = try String(contentsOf: TestLayout.fixtures.appendingPathComponent("apk/installed"), encoding: .utf8)
        let osRelease = try String(contentsOf: TestLayout.fixtures.appendingPathComponent("apk/os-release"), encoding: .utf8)
        var tree = LayeredFileTree(wants: Inventory.isOfInterest)
        try tree.apply(
            layerData: TarBuilder.gzip(TarBuilder([.file("lib/apk/db/installed", installed), .file("etc/os-release", osRelease)]).archive),
            label: "apk")
        let inventory = try Inventory.read(from: tree)
        #expect(inventory.databases == ["lib/apk/db/installed"])
        let database = try AdvisoryDatabase.load(directory: Self.osvFixtures)
        #expect(database.problems.isEmpty)
        #expect(database.withdrawnCount == 1)
        let subject = ImageSubject(name: "fixture/alpine", manifestDigest: "sha256:" + String(repeating: "0", count: 64))
        let report = VulnerabilityMatcher(database: database).scan(subject: subject, inventory: inventory)
        let pairs = Set(report.findings.map { "\($0.advisory) \($0.package)" })
        #expect(pairs == ["FIXTURE-APK-0001 busybox", "FIXTURE-APK-0001 ssl_client", "FIXTURE-APK-0003 libcrypto3"])
        #expect(report.findings.first?.severity == .high)
        #expect(report.findings.first { $0.package == "busybox" }?.fixedVersion == "1.36.1-r16")
        #expect(report.findings(atLeast: .high).count == 2)
        #expect(report.findings(atLeast: .critical).isEmpty)

        let sarif = SARIFLog(report: report, toolName: "t", toolVersion: "1", informationURI: "https://example.invalid")
        let object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(sarif)) as? [String: Any])
        #expect(object["version"] as? String == "2.1.0")
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 3)
        let rules = try #require((run["tool"] as? [String: Any]).flatMap { $0["driver"] as? [String: Any] }?["rules"] as? [[String: Any]])
        #expect(rules.count == 2, "one rule per advisory")
        #expect(results.allSatisfy { ($0["locations"] as? [Any])?.isEmpty == false })
    }
}
