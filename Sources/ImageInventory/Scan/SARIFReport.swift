import Foundation

/// SARIF 2.1.0 for GitHub code scanning: one rule per advisory (with `security-severity`,
/// which GitHub ranks by), one result per affected package, located at the package's
/// record in the image's package database (GitHub requires a physical location).
package struct SARIFLog: Codable, Sendable {
    package struct Message: Codable, Sendable {
        package var text: String
    }

    package struct Rule: Codable, Sendable {
        package struct Properties: Codable, Sendable {
            package var securitySeverity: String?
            package var tags: [String]
            enum CodingKeys: String, CodingKey {
                case securitySeverity = "security-severity"
                case tags
            }
        }
        package var id: String
        package var name: String
        package var shortDescription: Message
        package var fullDescription: Message
        package var help: Message
        package var helpUri: String?
        package var properties: Properties
    }

    package struct Driver: Codable, Sendable {
        package var name: String
        package var version: String
        package var informationUri: String
        package var rules: [Rule]
    }

    package struct Tool: Codable, Sendable {
        package var driver: Driver
    }

    package struct ArtifactLocation: Codable, Sendable {
        package var uri: String
    }

    package struct Region: Codable, Sendable {
        package var startLine: Int
    }

    package struct PhysicalLocation: Codable, Sendable {
        package var artifactLocation: ArtifactLocation
        package var region: Region
    }

    package struct Location: Codable, Sendable {
        package var physicalLocation: PhysicalLocation
        package var message: Message?
    }

    package struct Result: Codable, Sendable {
        package var ruleId: String
        package var ruleIndex: Int
        package var level: String
        package var message: Message
        package var locations: [Location]
        package var partialFingerprints: [String: String]
    }

    package struct Run: Codable, Sendable {
        package var tool: Tool
        package var results: [Result]
        package var properties: [String: String]?
    }

    package var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    package var version = "2.1.0"
    package var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema"
        case version, runs
    }

    package init(report: ScanReport, toolName: String, toolVersion: String, informationURI: String) {
        var rules: [Rule] = []
        var ruleIndex: [String: Int] = [:]
        var results: [Result] = []
        for finding in report.findings {
            let index: Int
            if let existing = ruleIndex[finding.advisory] {
                index = existing
            } else {
                index = rules.count
                ruleIndex[finding.advisory] = index
                let title = finding.summary ?? ([finding.advisory] + finding.aliases).joined(separator: " / ")
                let score = finding.score ?? Self.representativeScore(finding.severity)
                rules.append(
                    Rule(
                        id: finding.advisory, name: Self.ruleName(finding.advisory), shortDescription: Message(text: "\(finding.advisory): \(title)"),
                        fullDescription: Message(text: title),
                        help: Message(
                            text: "\(finding.advisory) (\(finding.severity.rawValue)). References: \(finding.references.prefix(5).joined(separator: " "))"),
                        helpUri: finding.references.first,
                        properties: Rule.Properties(
                            securitySeverity: score.map { String(format: "%.1f", $0) }, tags: ["security", "vulnerability", finding.severity.rawValue])))
            }
            let fix = finding.fixedVersion.map { "fixed in \($0)" } ?? "no fixed version known"
            results.append(
                Result(
                    ruleId: finding.advisory, ruleIndex: index, level: Self.level(finding.severity),
                    message: Message(
                        text:
                            "\(finding.package) \(finding.installedVersion) in \(report.image.name) is affected by \(finding.advisory) (\(finding.severity.rawValue)); \(fix)"
                    ),
                    locations: [
                        Location(
                            physicalLocation: PhysicalLocation(
                                artifactLocation: ArtifactLocation(uri: finding.databasePath), region: Region(startLine: max(1, finding.databaseLine))),
                            message: Message(text: "\(finding.purl) in \(report.image.name)@\(report.image.manifestDigest)"))
                    ],
                    partialFingerprints: ["packageAdvisory/v1": "\(finding.purl)|\(finding.advisory)"]))
        }
        var properties = ["image": report.image.name, "digest": report.image.manifestDigest]
        if let platform = report.image.platform { properties["platform"] = platform }
        runs = [
            Run(
                tool: Tool(driver: Driver(name: toolName, version: toolVersion, informationUri: informationURI, rules: rules)), results: results,
                properties: properties)
        ]
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .none, .unknown: return "note"
        }
    }

    /// GitHub ranks by the score; without one, the middle of the rating's band.
    static func representativeScore(_ severity: Severity) -> Double? {
        switch severity {
        case .critical: return 9.5
        case .high: return 8.0
        case .medium: return 5.5
        case .low: return 2.0
        case .none, .unknown: return nil
        }
    }

    /// A PascalCase-ish rule name from an id (`DSA-5123-1` → `DSA51231`).
    static func ruleName(_ id: String) -> String {
        String(id.filter { $0.isLetter || $0.isNumber })
    }
}
