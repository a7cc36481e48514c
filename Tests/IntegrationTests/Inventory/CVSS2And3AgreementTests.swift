import Foundation
import ImageInventory
import Testing

/// Our CVSS v2 scores and v3 temporal/environmental scores against PyPI `cvss` 3.6 (Red Hat's
/// implementation of FIRST's equations), on generated vectors that use every metric group.
@Suite("CVSS v2 and v3 (temporal, environmental) scores agree with PyPI cvss")
struct CVSS2And3AgreementTests {
    static let v2Base: [(String, [String])] = [
        ("AV", ["L", "A", "N"]), ("AC", ["H", "M", "L"]), ("Au", ["M", "S", "N"]), ("C", ["N", "P", "C"]), ("I", ["N", "P", "C"]),
        ("A", ["N", "P", "C"]),
    ]
    static let v2Temporal: [(String, [String])] = [
        ("E", ["U", "POC", "F", "H", "ND"]), ("RL", ["OF", "TF", "W", "U", "ND"]), ("RC", ["UC", "UR", "C", "ND"]),
    ]
    static let v2Environmental: [(String, [String])] = [
        ("CDP", ["N", "L", "LM", "MH", "H", "ND"]), ("TD", ["N", "L", "M", "H", "ND"]), ("CR", ["L", "M", "H", "ND"]), ("IR", ["L", "M", "H", "ND"]),
        ("AR", ["L", "M", "H", "ND"]),
    ]
    static let v3Base: [(String, [String])] = [
        ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("PR", ["N", "L", "H"]), ("UI", ["N", "R"]), ("S", ["U", "C"]), ("C", ["H", "L", "N"]),
        ("I", ["H", "L", "N"]), ("A", ["H", "L", "N"]),
    ]
    static let v3Temporal: [(String, [String])] = [("E", ["X", "H", "F", "P", "U"]), ("RL", ["X", "U", "W", "T", "O"]), ("RC", ["X", "C", "R", "U"])]
    static let v3Environmental: [(String, [String])] = [
        ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]), ("MAV", ["X", "N", "A", "L", "P"]),
        ("MAC", ["X", "L", "H"]), ("MPR", ["X", "N", "L", "H"]), ("MUI", ["X", "N", "R"]), ("MS", ["X", "U", "C"]), ("MC", ["X", "H", "L", "N"]),
        ("MI", ["X", "H", "L", "N"]), ("MA", ["X", "H", "L", "N"]),
    ]

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        /// The base metrics always; each optional group with probability 1/2, each of its
        /// metrics then with probability 1/2.
        mutating func vector(prefix: String, base: [(String, [String])], groups: [[(String, [String])]]) -> String {
            var fields = base.map { "\($0.0):\($0.1[next($0.1.count)])" }
            for group in groups where next(2) == 0 {
                for (metric, values) in group where next(2) == 0 { fields.append("\(metric):\(values[next(values.count)])") }
            }
            return prefix + fields.joined(separator: "/")
        }
    }

    @Test(
        "10 000 v2 and 20 000 v3.0/v3.1 generated vectors score the same here and in PyPI cvss",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func agreement() async throws {
        let venv = try #require(InventoryTestSupport.venv)
        var generator = Generator(state: 20_261_203)
        var vectors = (0..<10_000).map { _ in generator.vector(prefix: "", base: Self.v2Base, groups: [Self.v2Temporal, Self.v2Environmental]) }
        for index in 0..<20_000 {
            let prefix = index % 4 == 0 ? "CVSS:3.0/" : "CVSS:3.1/"
            vectors.append(generator.vector(prefix: prefix, base: Self.v3Base, groups: [Self.v3Temporal, Self.v3Environmental]))
        }
        // The score a vector states: environmental when it defines an environmental metric,
        // else temporal when it defines a temporal one, else base.
        let script = """
            import sys
            from cvss import CVSS2, CVSS3
            V2_T, V2_E = ("E", "RL", "RC"), ("CDP", "TD", "CR", "IR", "AR")
            V3_T = ("E", "RL", "RC")
            V3_E = ("CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA")
            for line in sys.stdin:
                vector = line.strip()
                fields = dict(f.split(":") for f in vector.split("/") if not f.startswith("CVSS"))
                if vector.startswith("CVSS:3"):
                    base, temporal, environmental = CVSS3(vector).scores()
                    defined = lambda names: any(fields.get(n, "X") != "X" for n in names)
                    print(environmental if defined(V3_E) else temporal if defined(V3_T) else base)
                else:
                    base, temporal, environmental = CVSS2(vector).scores()
                    print(environmental if environmental is not None else temporal if temporal is not None else base)
            """
        let (theirs, seconds) = try await InventoryTestSupport.pypiCVSSScores(vectors, script: script, venv: venv)
        var disagreements: [String] = []
        for (vector, expected) in zip(vectors, theirs) {
            let ours = CVSSVector.score(vector)
            if ours == nil || ours != expected {
                disagreements.append("\(vector): cvss \(expected.map { "\($0)" } ?? "?"), ours \(ours.map { "\($0)" } ?? "nil")")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(5))")
        #expect(vectors.contains { $0.contains("/MS:C") } && vectors.contains { $0.contains("/CDP:") }, "the vectors use every group")
        print("cvss (PyPI) scored \(vectors.count) CVSS v2/v3 vectors in \(String(format: "%.1f", seconds)) s; \(disagreements.count) disagree")
    }
}
