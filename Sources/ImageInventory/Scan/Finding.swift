import Foundation

/// One installed package affected by one advisory.
public struct Finding: Sendable, Hashable, Codable {
    public var advisory: String
    public var aliases: [String]
    public var package: String
    public var sourcePackage: String
    public var installedVersion: String
    /// The first fixed version above the installed one, if the record names one.
    public var fixedVersion: String?
    public var severity: Severity
    public var score: Double?
    public var summary: String?
    public var references: [String]
    public var ecosystem: String
    public var databasePath: String
    public var databaseLine: Int
    public var purl: String
}

/// What a scan found, with what it could not judge.
public struct ScanReport: Sendable, Codable {
    public var image: ImageSubject
    public var ecosystem: String?
    public var packagesScanned: Int
    public var advisoriesLoaded: Int
    public var withdrawnSkipped: Int
    public var findings: [Finding]
    public var notes: [String]

    /// The highest severity among findings at or above `threshold`.
    public func findings(atLeast threshold: Severity) -> [Finding] {
        findings.filter { $0.severity >= threshold && $0.severity != .unknown }
    }
}
