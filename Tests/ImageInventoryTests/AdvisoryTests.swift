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

    @Test("CVSS v2 scores as the v2 guide's worked examples give them (section 3.3)")
    func cvss2() {
        // FIRST, "A Complete Guide to the Common Vulnerability Scoring System Version 2.0",
        // 3.3.1 CVE-2002-0392: base 7.8, temporal 6.4, environmental 9.2.
        #expect(CVSSVector.score("AV:N/AC:L/Au:N/C:N/I:N/A:C") == 7.8)
        #expect(CVSSVector.score("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C") == 6.4)
        #expect(CVSSVector.score("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H") == 9.2)
        // 3.3.2 CVE-2003-0818: base 10.0, temporal 8.3, environmental 9.0.
        #expect(CVSSVector.score("(AV:N/AC:L/Au:N/C:C/I:C/A:C)") == 10.0)
        #expect(CVSSVector.score("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L") == 9.0)
        // 3.3.3 CVE-2003-0062: base 6.2, temporal 4.9, environmental 7.5.
        #expect(CVSSVector.score("CVSS:2.0/AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C") == 4.9)
        #expect(CVSSVector.score("AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M") == 7.5)
        for malformed in ["AV:N/AC:L/Au:N/C:N/I:N", "AV:N/AC:L/Au:N/C:N/I:N/A:Q", "AV:N/AC:L/Au:N/C:N/I:N/A:C/A:C", "AV:N/AC:L/Au:N/C:N/I:N/A:C/"] {
            #expect(CVSSVector.score(malformed) == nil, "\(malformed)")
        }
        #expect(Severity(version2Score: 10.0) == .high, "v2 has no critical rating")
    }

    @Test("CVSS v3 temporal and environmental metrics are scored (specification 7.2, 7.3)")
    func cvss3TemporalEnvironmental() {
        // As PyPI cvss 3.6 scores them (base, temporal, environmental).
        let base = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        #expect(CVSSVector.score(base) == 9.8)
        #expect(CVSSVector.score(base + "/E:U/RL:O/RC:R") == 8.2)
        #expect(CVSSVector.score(base + "/CR:L/IR:L/AR:L/MAV:L") == 6.6)
        #expect(CVSSVector.score("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/MS:U/E:P") == 5.1)
        #expect(CVSSVector.baseScore(base + "/E:U/RL:O/RC:R") == 9.8, "baseScore stays the base score")
        #expect(CVSSVector.score(base + "/E:Q") == nil)
        #expect(CVSSVector.score(base + "/ZZ:H") == nil)
    }

    @Test("a record rated only per package (affected[].severity) is rated from it")
    func packageSeverity() throws {
        // schema.md: "This severity field applies to a specific package, in cases where affected
        // packages have differing severities for the same vulnerability. If any package level
        // severity fields are set, the top level severity must not be set."
        let record = #"""
            {"id": "FIXTURE-PKG-SEV", "affected": [
              {"package": {"ecosystem": "Debian:12", "name": "zlib"},
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.3-1"}]}]},
              {"package": {"ecosystem": "Debian:12", "name": "glibc"},
               "severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:N/A:N"}],
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
            """#
        let advisory = try OSVParser.parse(Data(record.utf8), file: "pkg.json")
        #expect(advisory.severity == .unknown)
        #expect(advisory.affected[0].severity == .critical && advisory.affected[0].score == 9.8)
        #expect(advisory.affected[1].severity == .medium && advisory.affected[1].score == 5.0)
        var database = AdvisoryDatabase()
        database.add(advisory)
        let packages = [
            InstalledPackage(
                kind: .deb, name: "zlib1g", version: "1:1.2.13.dfsg-1", architecture: "amd64", sourceName: "zlib", databasePath: "var/lib/dpkg/status",
                databaseLine: 1),
            InstalledPackage(
                kind: .deb, name: "libc6", version: "2.36-9", architecture: "amd64", sourceName: "glibc", databasePath: "var/lib/dpkg/status",
                databaseLine: 9),
        ]
        let inventory = Inventory(
            os: OSRelease(fields: ["ID": "debian", "VERSION_ID": "12"]), packages: packages, databases: ["var/lib/dpkg/status"], notes: [])
        let subject = ImageSubject(name: "fixture/debian", manifestDigest: "sha256:" + String(repeating: "0", count: 64))
        let report = VulnerabilityMatcher(database: database).scan(subject: subject, inventory: inventory)
        #expect(report.findings.first { $0.package == "zlib1g" }?.severity == .critical)
        #expect(report.findings.first { $0.package == "zlib1g" }?.score == 9.8)
        #expect(report.findings.first { $0.package == "libc6" }?.severity == .medium)
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

    /// Syntax errors come from the one JSON parser (SystemSupport's, in strict mode): an
    /// unterminated object or array is located at its opening bracket, a bad escape at its
    /// backslash, as in configuration files.
    @Test(
        "malformed records: errors at line:column",
        arguments: [
            ("{\n  \"id\": 5\n}", 2, 9), ("{\"id\": \"X\", \"affected\": {}}", 1, 25), ("{\n\"id\": \"X\",\n", 1, 1), ("[1, 2", 1, 1),
            ("{\"id\": \"\\q\"}", 1, 9), ("{\"modified\": \"x\"}", 1, 1), ("{\"id\": \"X\"} trailing", 1, 13),
            // Strict JSON: no comments, no trailing commas.
            ("{\"id\": \"X\" // note\n}", 1, 12), ("{\"id\": \"X\", \"aliases\": [\"A\",]}", 1, 28),
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

    @Test("limit events: '*' is infinity; below some limit is enough (schema.md, Evaluation)")
    func limits() {
        func affected(_ events: [Advisory.Event], _ version: String) -> Bool {
            let entry = Advisory.Affected(
                ecosystem: "Debian:12", name: "x", ranges: [Advisory.Range(type: "ECOSYSTEM", events: events)], versions: [], severity: nil)
            return VulnerabilityMatcher.verdict(entry, version: version, ordering: .debian).affected
        }
        // "limit allows versions containing the string "*" to represent "infinity"."
        let infinite: [Advisory.Event] = [.init(kind: .introduced, version: "1.0"), .init(kind: .limit, version: "*")]
        #expect(affected(infinite, "9.9-1"))
        #expect(!affected(infinite, "0.9"))
        // BeforeLimits: "for evt in range.events: if evt.limit is present and v < evt.limit: return true".
        let two: [Advisory.Event] = [.init(kind: .introduced, version: "1.0"), .init(kind: .limit, version: "2.0"), .init(kind: .limit, version: "3.0")]
        #expect(affected(two, "1.5"))
        #expect(affected(two, "2.5"), "below the second limit")
        #expect(!affected(two, "3.0"))
        #expect(!affected([.init(kind: .introduced, version: "1.0"), .init(kind: .limit, version: "2.0")], "2.0"))
    }

    @Test("'0' is special only in introduced: an installed 0 or 0:0 is a real version")
    func zeroIsOnlySpecialInIntroduced() {
        func affected(_ events: [Advisory.Event], _ version: String) -> Bool {
            let entry = Advisory.Affected(
                ecosystem: "Debian:12", name: "x", ranges: [Advisory.Range(type: "ECOSYSTEM", events: events)], versions: [], severity: nil)
            return VulnerabilityMatcher.verdict(entry, version: version, ordering: .debian).affected
        }
        // schema.md: "introduced allows a version of the value "0" to represent a version that
        // sorts before any other version"; dpkg(1)/deb-version(7): an absent epoch is 0 and an
        // absent revision is "" — so dpkg --compare-versions has 0 = 0:0 = 0:0-0.
        #expect(DebianVersion.compare(DebianVersion("0"), DebianVersion("0:0-0")) == 0)
        #expect(!affected([.init(kind: .introduced, version: "0"), .init(kind: .fixed, version: "0:0")], "0"), "0 >= fixed 0:0")
        #expect(affected([.init(kind: .introduced, version: "0:0"), .init(kind: .fixed, version: "1.0")], "0"), "0 >= introduced 0:0")
        #expect(!affected([.init(kind: .introduced, version: "0"), .init(kind: .fixed, version: "0")], "0:0"))
        #expect(affected([.init(kind: .introduced, version: "0"), .init(kind: .lastAffected, version: "0:0-0")], "0"), "0 is not above 0:0-0")
        #expect(affected([.init(kind: .introduced, version: "0")], "0"))
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
