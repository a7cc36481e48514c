import Foundation

/// CVSS score from a vector string: v3.0/v3.1 (`CVSS:3.1/AV:N/AC:L/…`) by the FIRST
/// specification's equations and its Roundup, v4.0 (`CVSS:4.0/…`) by its macrovector method
/// (`CVSS4Score`). Other versions and malformed vectors answer nil (rated from the record's
/// textual severity instead, or `unknown`).
public enum CVSSVector {
    public static func baseScore(_ vector: String) -> Double? {
        if vector.hasPrefix(CVSS4Score.prefix) { return CVSS4Score.score(vector) }
        let parts = vector.split(separator: "/")
        guard let head = parts.first, head == "CVSS:3.1" || head == "CVSS:3.0" else { return nil }
        var metrics: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            metrics[String(pair[0])] = String(pair[1])
        }
        guard let scope = metrics["S"], scope == "U" || scope == "C" else { return nil }
        let changed = scope == "C"
        guard let av = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2][metrics["AV"] ?? ""],
            let ac = ["L": 0.77, "H": 0.44][metrics["AC"] ?? ""],
            let pr = (changed ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27])[metrics["PR"] ?? ""],
            let ui = ["N": 0.85, "R": 0.62][metrics["UI"] ?? ""],
            let c = ["H": 0.56, "L": 0.22, "N": 0.0][metrics["C"] ?? ""],
            let i = ["H": 0.56, "L": 0.22, "N": 0.0][metrics["I"] ?? ""],
            let a = ["H": 0.56, "L": 0.22, "N": 0.0][metrics["A"] ?? ""]
        else { return nil }
        let iss = 1 - (1 - c) * (1 - i) * (1 - a)
        let impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        if impact <= 0 { return 0 }
        return roundUp(min((changed ? 1.08 : 1) * (impact + exploitability), 10))
    }

    /// CVSS v3.1 Roundup: the smallest one-decimal number ≥ the input, robust to float error.
    static func roundUp(_ value: Double) -> Double {
        let scaled = Int((value * 100_000).rounded())
        if scaled % 10_000 == 0 { return Double(scaled) / 100_000 }
        return (Double(scaled / 10_000) + 1) / 10
    }
}
