import Foundation

/// A finding's severity; `unknown` when the record gives none that can be rated.
package enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case unknown, none, low, medium, high, critical

    private var rank: Int {
        switch self {
        case .unknown: return 0
        case .none: return 1
        case .low: return 2
        case .medium: return 3
        case .high: return 4
        case .critical: return 5
        }
    }

    package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// CVSS v3/v4 qualitative rating of a base score.
    package init(score: Double) {
        switch score {
        case ..<0.05: self = .none
        case ..<4.0: self = .low
        case ..<7.0: self = .medium
        case ..<9.0: self = .high
        default: self = .critical
        }
    }

    /// CVSS v2's qualitative rating (NVD's: low below 4.0, medium below 7.0, else high; v2
    /// has no critical).
    package init(version2Score score: Double) {
        switch score {
        case ..<4.0: self = .low
        case ..<7.0: self = .medium
        default: self = .high
        }
    }

    /// Textual severities records carry (GHSA "MODERATE", Debian urgency "low", …).
    package init?(label: String) {
        switch label.lowercased().trimmingCharacters(in: .whitespaces) {
        case "critical": self = .critical
        case "high", "important": self = .high
        case "medium", "moderate": self = .medium
        case "low", "negligible", "unimportant": self = .low
        default: return nil
        }
    }
}
