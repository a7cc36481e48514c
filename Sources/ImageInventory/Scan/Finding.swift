import Foundation

/// One installed package affected by one advisory.
package struct Finding: Sendable, Hashable, Codable {
    package var advisory: String
    package var aliases: [String]
    package var package: String
    package var sourcePackage: String
    package var installedVersion: String
    /// The first fixed version above the installed one, if the record names one.
    package var fixedVersion: String?
    package var severity: Severity
    package var score: Double?
    package var summary: String?
    package var references: [String]
    package var ecosystem: String
    package var databasePath: String
    package var databaseLine: Int
    package var purl: String
}

/// What a scan found, with what it could not judge.
package struct ScanReport: Sendable, Codable {
    package var image: ImageSubject
    package var ecosystem: String?
    package var packagesScanned: Int
    package var advisoriesLoaded: Int
    package var withdrawnSkipped: Int
    package var findings: [Finding]
    package var notes: [String]

    /// The highest severity among findings at or above `threshold`.
    package func findings(atLeast threshold: Severity) -> [Finding] {
        findings.filter { $0.severity >= threshold && $0.severity != .unknown }
    }
}
