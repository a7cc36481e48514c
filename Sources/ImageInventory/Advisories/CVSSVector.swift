import Foundation

/// CVSS scores from vector strings: v2.0 (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally
/// `CVSS:2.0/`-prefixed or parenthesised), v3.0/v3.1 (`CVSS:3.1/AV:N/AC:L/…`) by the FIRST
/// specifications' equations and their rounding, v4.0 (`CVSS:4.0/…`) by its macrovector
/// method (`CVSS4Score`). Malformed vectors answer nil (rated from the record's textual
/// severity instead, or `unknown`).
package enum CVSSVector {
    /// The score a vector states: the environmental score when it carries environmental
    /// metrics, else the temporal one when it carries temporal metrics, else the base score —
    /// as v4.0's single score takes threat and environmental metrics into account.
    package static func score(_ vector: String) -> Double? {
        if vector.hasPrefix(CVSS4Score.prefix) { return CVSS4Score.score(vector) }
        if vector.hasPrefix("CVSS:3.") { return CVSS3Score(vector)?.mostSpecific }
        return CVSS2Score(vector)?.mostSpecific
    }

    /// Base score of a v3.x vector (its temporal and environmental metrics ignored), and the
    /// v4.0 score. Nil for other versions and malformed vectors.
    package static func baseScore(_ vector: String) -> Double? {
        if vector.hasPrefix(CVSS4Score.prefix) { return CVSS4Score.score(vector) }
        return CVSS3Score(vector)?.base
    }

    /// Whether `vector` is a CVSS v2 vector (rated on v2's low/medium/high scale).
    static func isVersion2(_ vector: String) -> Bool { !vector.hasPrefix("CVSS:3.") && !vector.hasPrefix(CVSS4Score.prefix) }

    /// CVSS v3.1 Roundup: the smallest one-decimal number ≥ the input, robust to float error.
    static func roundUp(_ value: Double) -> Double {
        let scaled = Int((value * 100_000).rounded())
        if scaled % 10_000 == 0 { return Double(scaled) / 100_000 }
        return (Double(scaled / 10_000) + 1) / 10
    }

    /// CVSS v2's round_to_1_decimal: half away from zero (decimal ROUND_HALF_UP; the adjusted
    /// base of the environmental equation can be negative), robust to float error.
    static func roundHalfUp(_ value: Double) -> Double {
        let scaled = Int((value * 100_000).rounded())
        let magnitude = Double((abs(scaled) + 5_000) / 10_000) / 10
        return scaled < 0 ? -magnitude : magnitude
    }

    /// Splits `A:B/C:D` into a metric map; nil on an empty field, a field without one `:`, or
    /// a metric given twice.
    static func metrics<S: StringProtocol>(_ fields: [S]) -> [String: String]? {
        var metrics: [String: String] = [:]
        for field in fields {
            let pair = field.split(separator: ":", omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty, metrics[String(pair[0])] == nil else { return nil }
            metrics[String(pair[0])] = String(pair[1])
        }
        return metrics
    }
}

/// A CVSS v3.0/v3.1 vector's base, temporal and environmental scores (specification
/// section 7). Metrics not given count as Not Defined (X).
struct CVSS3Score {
    let base: Double
    let temporal: Double?
    let environmental: Double?

    var mostSpecific: Double { environmental ?? temporal ?? base }

    static let temporalMetrics: [String: [String: Double]] = [
        "E": ["X": 1, "H": 1, "F": 0.97, "P": 0.94, "U": 0.91], "RL": ["X": 1, "U": 1, "W": 0.97, "T": 0.96, "O": 0.95],
        "RC": ["X": 1, "C": 1, "R": 0.96, "U": 0.92],
    ]
    static let requirement: [String: Double] = ["X": 1, "H": 1.5, "M": 1, "L": 0.5]
    static let attackVector: [String: Double] = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2]
    static let attackComplexity: [String: Double] = ["L": 0.77, "H": 0.44]
    static let userInteraction: [String: Double] = ["N": 0.85, "R": 0.62]
    static let impact: [String: Double] = ["H": 0.56, "L": 0.22, "N": 0]
    static func privileges(changed: Bool) -> [String: Double] { changed ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27] }
    static let environmentalNames = ["CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"]

    init?(_ vector: String) {
        let parts = vector.split(separator: "/", omittingEmptySubsequences: false)
        guard let head = parts.first, head == "CVSS:3.1" || head == "CVSS:3.0", let metrics = CVSSVector.metrics(Array(parts.dropFirst())) else {
            return nil
        }
        let minor31 = head == "CVSS:3.1"
        guard let scope = metrics["S"], scope == "U" || scope == "C",
            let av = Self.attackVector[metrics["AV"] ?? ""], let ac = Self.attackComplexity[metrics["AC"] ?? ""],
            let pr = Self.privileges(changed: scope == "C")[metrics["PR"] ?? ""], let ui = Self.userInteraction[metrics["UI"] ?? ""],
            let c = Self.impact[metrics["C"] ?? ""], let i = Self.impact[metrics["I"] ?? ""], let a = Self.impact[metrics["A"] ?? ""]
        else { return nil }
        let known = Set(["AV", "AC", "PR", "UI", "S", "C", "I", "A"] + Self.temporalMetrics.keys + Self.environmentalNames)
        guard metrics.keys.allSatisfy(known.contains) else { return nil }
        // Temporal multipliers; a value the metric does not have makes the vector malformed.
        var temporalFactor = 1.0
        for (metric, values) in Self.temporalMetrics {
            guard let value = values[metrics[metric] ?? "X"] else { return nil }
            temporalFactor *= value
        }
        let changed = scope == "C"
        let iss = 1 - (1 - c) * (1 - i) * (1 - a)
        let impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        base = impact <= 0 ? 0 : CVSSVector.roundUp(min((changed ? 1.08 : 1) * (impact + exploitability), 10))
        temporal = Self.temporalMetrics.keys.contains { (metrics[$0] ?? "X") != "X" } ? CVSSVector.roundUp(base * temporalFactor) : nil

        // Environmental: modified base metrics default to the base values ("X" = as base).
        func modified(_ name: String, _ baseValue: String) -> String {
            let value = metrics["M" + name] ?? "X"
            return value == "X" ? baseValue : value
        }
        let modifiedScope = modified("S", scope)
        guard modifiedScope == "U" || modifiedScope == "C",
            let mav = Self.attackVector[modified("AV", metrics["AV"] ?? "")], let mac = Self.attackComplexity[modified("AC", metrics["AC"] ?? "")],
            let mpr = Self.privileges(changed: modifiedScope == "C")[modified("PR", metrics["PR"] ?? "")],
            let mui = Self.userInteraction[modified("UI", metrics["UI"] ?? "")],
            let mc = Self.impact[modified("C", metrics["C"] ?? "")], let mi = Self.impact[modified("I", metrics["I"] ?? "")],
            let ma = Self.impact[modified("A", metrics["A"] ?? "")],
            let cr = Self.requirement[metrics["CR"] ?? "X"], let ir = Self.requirement[metrics["IR"] ?? "X"],
            let ar = Self.requirement[metrics["AR"] ?? "X"]
        else { return nil }
        guard Self.environmentalNames.contains(where: { (metrics[$0] ?? "X") != "X" }) else {
            environmental = nil
            return
        }
        let miss = min(1 - (1 - cr * mc) * (1 - ir * mi) * (1 - ar * ma), 0.915)
        let modifiedImpact: Double
        if modifiedScope == "U" {
            modifiedImpact = 6.42 * miss
        } else if minor31 {
            modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13)
        } else {
            modifiedImpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15)
        }
        let modifiedExploitability = 8.22 * mav * mac * mpr * mui
        if modifiedImpact <= 0 {
            environmental = 0
        } else {
            let inner = CVSSVector.roundUp(min((modifiedScope == "C" ? 1.08 : 1) * (modifiedImpact + modifiedExploitability), 10))
            environmental = CVSSVector.roundUp(inner * temporalFactor)
        }
    }
}

/// A CVSS v2.0 vector's base, temporal and environmental scores (the v2 guide's section 3.2
/// equations). Metrics not given count as Not Defined (ND).
struct CVSS2Score {
    let base: Double
    let temporal: Double?
    let environmental: Double?

    var mostSpecific: Double { environmental ?? temporal ?? base }

    static let values: [String: [String: Double]] = [
        "AV": ["L": 0.395, "A": 0.646, "N": 1], "AC": ["H": 0.35, "M": 0.61, "L": 0.71], "Au": ["M": 0.45, "S": 0.56, "N": 0.704],
        "C": ["N": 0, "P": 0.275, "C": 0.66], "I": ["N": 0, "P": 0.275, "C": 0.66], "A": ["N": 0, "P": 0.275, "C": 0.66],
        "E": ["U": 0.85, "POC": 0.9, "F": 0.95, "H": 1, "ND": 1], "RL": ["OF": 0.87, "TF": 0.9, "W": 0.95, "U": 1, "ND": 1],
        "RC": ["UC": 0.9, "UR": 0.95, "C": 1, "ND": 1],
        "CDP": ["N": 0, "L": 0.1, "LM": 0.3, "MH": 0.4, "H": 0.5, "ND": 0], "TD": ["N": 0, "L": 0.25, "M": 0.75, "H": 1, "ND": 1],
        "CR": ["L": 0.5, "M": 1, "H": 1.51, "ND": 1], "IR": ["L": 0.5, "M": 1, "H": 1.51, "ND": 1], "AR": ["L": 0.5, "M": 1, "H": 1.51, "ND": 1],
    ]
    static let mandatory = ["AV", "AC", "Au", "C", "I", "A"]

    init?(_ vector: String) {
        var text = Substring(vector)
        if text.hasPrefix("("), text.hasSuffix(")") { text = text.dropFirst().dropLast() }
        if text.hasPrefix("CVSS:2.0/") { text = text.dropFirst("CVSS:2.0/".count) }
        guard let given = CVSSVector.metrics(text.split(separator: "/", omittingEmptySubsequences: false)) else { return nil }
        guard Self.mandatory.allSatisfy({ given[$0] != nil }) else { return nil }
        var value: [String: Double] = [:]
        for (metric, text) in given {
            guard let number = Self.values[metric]?[text] else { return nil }
            value[metric] = number
        }
        func v(_ metric: String) -> Double { value[metric] ?? Self.values[metric]?["ND"] ?? 1 }
        func baseEquation(_ impact: Double) -> Double {
            let exploitability = 20 * v("AV") * v("AC") * v("Au")
            return CVSSVector.roundHalfUp((0.6 * impact + 0.4 * exploitability - 1.5) * (impact == 0 ? 0 : 1.176))
        }
        let impact = 10.41 * (1 - (1 - v("C")) * (1 - v("I")) * (1 - v("A")))
        base = max(0, baseEquation(impact))
        let temporalFactor = v("E") * v("RL") * v("RC")
        let defined = { (names: [String]) in names.contains { (given[$0] ?? "ND") != "ND" } }
        temporal = defined(["E", "RL", "RC"]) ? max(0, CVSSVector.roundHalfUp(base * temporalFactor)) : nil
        if defined(["CDP", "TD", "CR", "IR", "AR"]) {
            let adjustedImpact = min(10, 10.41 * (1 - (1 - v("C") * v("CR")) * (1 - v("I") * v("IR")) * (1 - v("A") * v("AR"))))
            let adjustedTemporal = CVSSVector.roundHalfUp(baseEquation(adjustedImpact) * temporalFactor)
            environmental = max(0, CVSSVector.roundHalfUp((adjustedTemporal + (10 - adjustedTemporal) * v("CDP")) * v("TD")))
        } else {
            environmental = nil
        }
    }
}
