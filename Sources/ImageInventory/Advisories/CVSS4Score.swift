import Foundation

/// CVSS v4.0 score of a vector (`CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/…`), by the
/// specification's method: the vector's macrovector (six equivalence classes) gives a score
/// from FIRST's table, lowered by how far the vector sits below the highest-severity vectors
/// of its macrovector, in proportion to the next lower macrovectors' scores. Threat and
/// environmental metrics, when present, take part as the specification says (CVSS-BT/BE/BTE);
/// supplemental ones are validated and do not change the score. Malformed vectors answer nil.
enum CVSS4Score {
    static let prefix = "CVSS:4.0/"

    /// Allowed values of every metric (those in `mandatory` must be present).
    static let allowedValues: [String: Set<String>] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "AT": ["N", "P"], "PR": ["N", "L", "H"], "UI": ["N", "P", "A"],
        "VC": ["H", "L", "N"], "VI": ["H", "L", "N"], "VA": ["H", "L", "N"], "SC": ["H", "L", "N"], "SI": ["H", "L", "N"],
        "SA": ["H", "L", "N"],
        "E": ["X", "A", "P", "U"], "CR": ["X", "H", "M", "L"], "IR": ["X", "H", "M", "L"], "AR": ["X", "H", "M", "L"],
        "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MAT": ["X", "N", "P"], "MPR": ["X", "N", "L", "H"],
        "MUI": ["X", "N", "P", "A"], "MVC": ["X", "H", "L", "N"], "MVI": ["X", "H", "L", "N"], "MVA": ["X", "H", "L", "N"],
        "MSC": ["X", "H", "L", "N"], "MSI": ["X", "S", "H", "L", "N"], "MSA": ["X", "S", "H", "L", "N"],
        "S": ["X", "N", "P"], "AU": ["X", "N", "Y"], "R": ["X", "A", "U", "I"], "V": ["X", "D", "C"], "RE": ["X", "L", "M", "H"],
        "U": ["X", "Clear", "Green", "Amber", "Red"],
    ]
    static let mandatory = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"]

    /// Severity level of each value, per metric (0 is the most severe), for the distances.
    static let levels: [String: [String: Double]] = [
        "AV": ["N": 0, "A": 0.1, "L": 0.2, "P": 0.3], "PR": ["N": 0, "L": 0.1, "H": 0.2], "UI": ["N": 0, "P": 0.1, "A": 0.2],
        "AC": ["L": 0, "H": 0.1], "AT": ["N": 0, "P": 0.1],
        "VC": ["H": 0, "L": 0.1, "N": 0.2], "VI": ["H": 0, "L": 0.1, "N": 0.2], "VA": ["H": 0, "L": 0.1, "N": 0.2],
        "SC": ["H": 0.1, "L": 0.2, "N": 0.3], "SI": ["S": 0, "H": 0.1, "L": 0.2, "N": 0.3], "SA": ["S": 0, "H": 0.1, "L": 0.2, "N": 0.3],
        "CR": ["H": 0, "M": 0.1, "L": 0.2], "IR": ["H": 0, "M": 0.1, "L": 0.2], "AR": ["H": 0, "M": 0.1, "L": 0.2],
    ]

    static func score(_ vector: String) -> Double? {
        guard vector.hasPrefix(prefix), !vector.hasSuffix("/") else { return nil }
        var metrics: [String: String] = [:]
        for field in vector.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false) {
            let pair = field.split(separator: ":", omittingEmptySubsequences: false)
            guard pair.count == 2 else { return nil }
            let key = String(pair[0]), value = String(pair[1])
            guard metrics[key] == nil, allowedValues[key]?.contains(value) == true else { return nil }
            metrics[key] = value
        }
        guard mandatory.allSatisfy({ metrics[$0] != nil }) else { return nil }
        return score(Metrics(values: metrics))
    }

    /// The values the equations read: a modified metric overrides its base one; unset
    /// threat and requirement metrics take their most severe value (E:A, CR/IR/AR:H).
    struct Metrics {
        let values: [String: String]

        subscript(_ metric: String) -> String {
            if let modified = values["M" + metric], modified != "X" { return modified }
            let value = values[metric] ?? "X"
            guard value == "X" else { return value }
            switch metric {
            case "E": return "A"
            case "CR", "IR", "AR": return "H"
            default: return value
            }
        }
    }

    static func score(_ m: Metrics) -> Double? {
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ m[$0] == "N" }) { return 0 }
        let eq = macrovector(m)
        func key(_ levels: [Int]) -> String { levels.map(String.init).joined() }
        guard let value = macrovectorScores[key(eq)] else { return nil }
        func lower(_ index: Int...) -> Double? {
            var next = eq
            for i in index { next[i] += 1 }
            return macrovectorScores[key(next)]
        }
        let (eq1, eq2, eq3, eq4, eq5, eq6) = (eq[0], eq[1], eq[2], eq[3], eq[4], eq[5])
        // EQ3 and EQ6 are scored together, so their next lower macrovector steps whichever of
        // the two the table allows; with both at 0, either may step and the higher score counts.
        let lowerEQ3EQ6: Double?
        switch (eq3, eq6) {
        case (0, 0):
            let candidates = [lower(5), lower(2)].compactMap { $0 }
            lowerEQ3EQ6 = candidates.max()
        case (1, 0): lowerEQ3EQ6 = lower(5)
        case (0, 1), (1, 1): lowerEQ3EQ6 = lower(2)
        default: lowerEQ3EQ6 = lower(2, 5)
        }

        // The distance of each metric below the first highest-severity vector of this
        // macrovector that the vector does not exceed anywhere.
        let distanceMetrics = ["AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR"]
        var distance: [String: Double] = [:]
        search: for first in maxEQ1[eq1] ?? [] {
            for second in maxEQ2[eq2] ?? [] {
                for third in maxEQ3EQ6[eq3]?[eq6] ?? [] {
                    for fourth in maxEQ4[eq4] ?? [] {
                        for fifth in maxEQ5[eq5] ?? [] {
                            let maximum = parse(first + second + third + fourth + fifth)
                            for metric in distanceMetrics {
                                guard let ours = levels[metric]?[m[metric]], let theirs = maximum[metric].flatMap({ levels[metric]?[$0] }) else {
                                    return nil
                                }
                                distance[metric] = ours - theirs
                            }
                            if distance.values.allSatisfy({ $0 >= 0 }) { break search }
                        }
                    }
                }
            }
        }
        func sum(_ metrics: String...) -> Double { metrics.reduce(0) { $0 + (distance[$1] ?? 0) } }

        let step = 0.1
        // (score of the next lower macrovector, distance within this one, this one's depth)
        let parts: [(lower: Double?, distance: Double, depth: Double?)] = [
            (lower(0), sum("AV", "PR", "UI"), depthEQ1[eq1]),
            (lower(1), sum("AC", "AT"), depthEQ2[eq2]),
            (lowerEQ3EQ6, sum("VC", "VI", "VA", "CR", "IR", "AR"), depthEQ3EQ6[eq3]?[eq6]),
            (lower(3), sum("SC", "SI", "SA"), depthEQ4[eq4]),
            // EQ5 has a single vector per level: no distance within it.
            (lower(4), 0, 1),
        ]
        var existing = 0
        var normalized = 0.0
        for part in parts {
            guard let lowerScore = part.lower, value - lowerScore >= 0, let depth = part.depth else { continue }
            existing += 1
            normalized += (value - lowerScore) * (part.distance / (depth * step))
        }
        let lowered = existing == 0 ? value : value - normalized / Double(existing)
        return roundHalfUp(min(max(lowered, 0), 10))
    }

    /// The six equivalence classes of the vector (each 0 = most severe).
    static func macrovector(_ m: Metrics) -> [Int] {
        let eq1: Int
        if m["AV"] == "N" && m["PR"] == "N" && m["UI"] == "N" {
            eq1 = 0
        } else if (m["AV"] == "N" || m["PR"] == "N" || m["UI"] == "N") && m["AV"] != "P" {
            eq1 = 1
        } else {
            eq1 = 2
        }
        let eq2 = m["AC"] == "L" && m["AT"] == "N" ? 0 : 1
        let eq3: Int
        if m["VC"] == "H" && m["VI"] == "H" {
            eq3 = 0
        } else if m["VC"] == "H" || m["VI"] == "H" || m["VA"] == "H" {
            eq3 = 1
        } else {
            eq3 = 2
        }
        let eq4: Int
        if m["MSI"] == "S" || m["MSA"] == "S" {
            eq4 = 0
        } else if m["SC"] == "H" || m["SI"] == "H" || m["SA"] == "H" {
            eq4 = 1
        } else {
            eq4 = 2
        }
        let eq5 = ["A": 0, "P": 1, "U": 2][m["E"]] ?? 0
        let eq6 = (m["CR"] == "H" && m["VC"] == "H") || (m["IR"] == "H" && m["VI"] == "H") || (m["AR"] == "H" && m["VA"] == "H") ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// `AV:N/PR:N/…/` as a dictionary.
    static func parse(_ composed: String) -> [String: String] {
        var result: [String: String] = [:]
        for field in composed.split(separator: "/") {
            let pair = field.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { result[String(pair[0])] = String(pair[1]) }
        }
        return result
    }

    /// One decimal, halves away from zero; the small offset keeps float error (8.6 - 7.15 =
    /// 1.4499…) from rounding a half down, as the specification's calculator does.
    static func roundHalfUp(_ value: Double) -> Double {
        ((value + 1e-6) * 10).rounded(.toNearestOrAwayFromZero) / 10
    }
}
