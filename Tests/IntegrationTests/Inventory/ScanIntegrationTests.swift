import Foundation
import Testing

/// `release-tool scan` of the real Debian image against the fixture advisories, SARIF
/// checked against the OASIS SARIF 2.1.0 schema; and Debian version order against dpkg.
@Suite("scan on real images", .serialized)
struct ScanIntegrationTests {
    static let expectedAffected: Set<String> = [
        "FIXTURE-DEB-0001", "FIXTURE-DEB-0004", "FIXTURE-DEB-0005", "FIXTURE-DEB-0007", "FIXTURE-DEB-0009", "FIXTURE-DEB-0011",
        "FIXTURE-DEB-0013",
    ]

    @Test(
        "Debian image vs fixture advisories: the expected findings, valid SARIF, --fail-on exit status",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func debianScan() async throws {
        let bed = TestBed.required
        let venv = try #require(InventoryTestSupport.venv)
        let reference = try await InventoryTestSupport.debianImage(bed)
        let db = InventoryTestSupport.fixtures.appendingPathComponent("osv").path
        let json = try await InventoryTestSupport.releaseTool(["scan", reference, "--insecure-registry", bed.registry, "--db", db, "--format", "json"])
        #expect(json.succeeded, "\(json.stderr)")
        let report = try InventoryTestSupport.json(json.stdout)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(Set(findings.compactMap { $0["advisory"] as? String }) == Self.expectedAffected)
        #expect(report["withdrawn_skipped"] as? Int == 1)
        let glibc = findings.filter { $0["advisory"] as? String == "FIXTURE-DEB-0001" }
        #expect(glibc.allSatisfy { $0["severity"] as? String == "critical" && $0["source_package"] as? String == "glibc" })
        #expect(findings.contains { $0["advisory"] as? String == "FIXTURE-DEB-0011" && $0["severity"] as? String == "unknown" })

        let sarif = try bed.makeTemporaryDirectory("scan-sarif").appendingPathComponent("debian.sarif")
        let run = try await InventoryTestSupport.releaseTool([
            "scan", reference, "--insecure-registry", bed.registry, "--db", db, "--format", "sarif", "--output", sarif.path,
        ])
        #expect(run.succeeded, "\(run.stderr)")
        let validation = try await InventoryTestSupport.validateSARIF(sarif, venv: venv)
        #expect(validation.succeeded, "SARIF schema: \(validation.stdout)\(validation.stderr)")

        let failing = try await InventoryTestSupport.releaseTool(["scan", reference, "--insecure-registry", bed.registry, "--db", db, "--fail-on", "critical"])
        #expect(failing.status == 3, "a critical finding fails --fail-on critical")
        #expect(failing.stdout.contains("FIXTURE-DEB-0001"), "the table is still printed")
        // Issue 22: an empty or missing database is an error (exit 2, "no advisories loaded from
        // DIR; run `scan --update-db DIR`"), unless asked for explicitly.
        let empty = try bed.makeTemporaryDirectory("scan-empty-db")
        for directory in [empty.path, empty.appendingPathComponent("missing").path] {
            let refused = try await InventoryTestSupport.releaseTool(["scan", reference, "--insecure-registry", bed.registry, "--db", directory])
            #expect(refused.status == 2, "\(directory): \(refused.stderr)")
            #expect(refused.stderr.contains("no advisories loaded from \(directory); run `scan --update-db \(directory)`"), "\(refused.stderr)")
            #expect(!refused.stdout.contains("0 findings"), "no clean-looking report")
            let allowed = try await InventoryTestSupport.releaseTool([
                "scan", reference, "--insecure-registry", bed.registry, "--db", directory, "--allow-empty-db", "--fail-on", "low",
            ])
            #expect(allowed.status == 0 && allowed.stdout.contains("0 advisories"), "\(allowed.stderr)")
        }
    }

    /// Seeded generator of valid Debian versions, with near-miss pairs so the order is tested
    /// where it is subtle: epochs, `~`, `+`, letters vs digits, leading zeros, revisions.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func piece() -> String {
            let digits = ["0", "1", "2", "9", "10", "01", "100"]
            let words = ["", "a", "b", "z", "A", "dfsg", "rc", "~", "~~", "~rc", "+", "+b", ".", "-"]
            var text = digits[next(digits.count)]
            for _ in 0..<next(4) {
                text += words[next(words.count)].replacingOccurrences(of: "-", with: ".") + digits[next(digits.count)]
            }
            return text
        }
        mutating func version() -> String {
            var text = next(4) == 0 ? "\(next(3)):" : ""
            text += piece()
            if next(2) == 0 { text += "-" + piece().replacingOccurrences(of: ":", with: "") }
            return text
        }
        mutating func mutate(_ version: String) -> String {
            switch next(5) {
            case 0: return version + "~" + piece()
            case 1: return version + "+" + piece()
            case 2: return version.contains(":") ? String(version.split(separator: ":", maxSplits: 1)[1]) : "1:" + version
            case 3: return version.replacingOccurrences(of: "1", with: "01")
            default: return self.version()
            }
        }
    }

    @Test("Debian version order agrees with dpkg --compare-versions on 10 000 generated pairs", .enabled(if: ToolRunner.isInstalled("dpkg")))
    func dpkgOrder() async throws {
        var generator = Generator(state: 20_261_201)
        var pairs: [(String, String)] = []
        while pairs.count < 10_000 {
            let left = generator.version()
            pairs.append((left, pairs.count % 2 == 0 ? generator.mutate(left) : generator.version()))
        }
        // One shell runs every dpkg call: a process launched from Swift per comparison would
        // be several times slower (measured here: ~2.5 ms a pair this way).
        let input = pairs.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
        let script = """
            while read -r a b; do
              if dpkg --compare-versions "$a" lt "$b"; then echo lt
              elif dpkg --compare-versions "$a" eq "$b"; then echo eq
              else echo gt; fi
            done
            """
        let started = Date()
        let result = try await ToolRunner.run("bash", ["-c", script], environment: ["LC_ALL": "C"], input: Data(input.utf8), timeout: 600)
        let seconds = Date().timeIntervalSince(started)
        let verdicts = result.stdout.split(separator: "\n").map(String.init)
        try #require(verdicts.count == pairs.count, "dpkg answered \(verdicts.count) of \(pairs.count): \(result.stderr.prefix(500))")
        #expect(result.stderr.isEmpty, "dpkg rejected a generated version: \(result.stderr.prefix(500))")
        var disagreements: [String] = []
        for (index, (left, right)) in pairs.enumerated() {
            let ours = DebianOrder.compare(left, right)
            let ourVerdict = ours < 0 ? "lt" : (ours == 0 ? "eq" : "gt")
            if ourVerdict != verdicts[index] { disagreements.append("\(left) vs \(right): dpkg \(verdicts[index]), ours \(ourVerdict)") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
        #expect(Set(verdicts).count == 3, "the pairs exercise lt, eq and gt")
        print("dpkg --compare-versions: \(pairs.count) pairs in \(String(format: "%.1f", seconds)) s")
    }
}
