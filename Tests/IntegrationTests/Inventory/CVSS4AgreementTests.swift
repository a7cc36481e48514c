import Foundation
import ImageInventory
import Testing

/// Our CVSS v4.0 scores against an implementation nobody here wrote: PyPI `cvss` (Red Hat's
/// port of FIRST's reference calculator), on generated vectors that use every metric group.
@Suite("CVSS v4.0 scores agree with PyPI cvss")
struct CVSS4AgreementTests {
    /// Metrics in the specification's order, with their values; optional groups are added
    /// to a vector at random, each value equally likely (X included).
    static let base: [(String, [String])] = [
        ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("AT", ["N", "P"]), ("PR", ["N", "L", "H"]), ("UI", ["N", "P", "A"]),
        ("VC", ["H", "L", "N"]), ("VI", ["H", "L", "N"]), ("VA", ["H", "L", "N"]), ("SC", ["H", "L", "N"]), ("SI", ["H", "L", "N"]),
        ("SA", ["H", "L", "N"]),
    ]
    static let optional: [(String, [String])] = [
        ("E", ["X", "A", "P", "U"]), ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]),
        ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MAT", ["X", "N", "P"]), ("MPR", ["X", "N", "L", "H"]),
        ("MUI", ["X", "N", "P", "A"]), ("MVC", ["X", "H", "L", "N"]), ("MVI", ["X", "H", "L", "N"]), ("MVA", ["X", "H", "L", "N"]),
        ("MSC", ["X", "H", "L", "N"]), ("MSI", ["X", "S", "H", "L", "N"]), ("MSA", ["X", "S", "H", "L", "N"]),
        ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]), ("V", ["X", "D", "C"]), ("RE", ["X", "L", "M", "H"]),
        ("U", ["X", "Clear", "Green", "Amber", "Red"]),
    ]

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func vector() -> String {
            var fields = CVSS4AgreementTests.base.map { "\($0.0):\($0.1[next($0.1.count)])" }
            // Half the vectors are base-only (CVSS-B, what feeds mostly carry); the rest add
            // each optional metric with probability 1/2.
            if next(2) == 0 {
                for (metric, values) in CVSS4AgreementTests.optional where next(2) == 0 { fields.append("\(metric):\(values[next(values.count)])") }
            }
            return "CVSS:4.0/" + fields.joined(separator: "/")
        }
    }

    @Test(
        "20 000 generated vectors score the same here and in PyPI cvss",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func agreement() async throws {
        let venv = try #require(InventoryTestSupport.venv)
        var generator = Generator(state: 20_261_202)
        let vectors = (0..<20_000).map { _ in generator.vector() }
        let script = """
            import sys
            from cvss import CVSS4
            for line in sys.stdin:
                print(CVSS4(line.strip()).base_score)
            """
        let (theirs, seconds) = try await InventoryTestSupport.pypiCVSSScores(vectors, script: script, venv: venv)
        var disagreements: [String] = []
        var ratings: Set<Severity> = []
        for (vector, expected) in zip(vectors, theirs) {
            let ours = CVSSVector.baseScore(vector)
            if ours == nil || ours != expected {
                disagreements.append("\(vector): cvss \(expected.map { "\($0)" } ?? "?"), ours \(ours.map { "\($0)" } ?? "nil")")
            }
            if let ours { ratings.insert(Severity(score: ours)) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
        #expect(ratings == [.none, .low, .medium, .high, .critical], "the vectors reach every rating")
        print("cvss (PyPI) scored \(vectors.count) CVSS v4.0 vectors in \(String(format: "%.1f", seconds)) s; \(disagreements.count) disagree")
    }
}
