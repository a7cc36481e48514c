import Foundation

/// One OSV record, reduced to what matching needs.
package struct Advisory: Sendable, Hashable, Codable {
    package struct Event: Sendable, Hashable, Codable {
        package enum Kind: String, Sendable, Hashable, Codable {
            case introduced, fixed, lastAffected = "last_affected", limit
        }
        package var kind: Kind
        package var version: String

        package init(kind: Kind, version: String) {
            self.kind = kind
            self.version = version
        }
    }

    package struct Range: Sendable, Hashable, Codable {
        /// ECOSYSTEM (the ecosystem's own ordering); SEMVER and GIT ranges are not matched.
        package var type: String
        package var events: [Event]

        package init(type: String, events: [Event]) {
            self.type = type
            self.events = events
        }
    }

    package struct Affected: Sendable, Hashable, Codable {
        package var ecosystem: String
        package var name: String
        package var ranges: [Range]
        package var versions: [String]
        /// This package's own rating (`affected[].severity`, or its ecosystem's label).
        package var severity: Severity?
        /// The CVSS score `severity` came from, when there was one.
        package var score: Double?

        package init(ecosystem: String, name: String, ranges: [Range], versions: [String], severity: Severity?, score: Double? = nil) {
            self.ecosystem = ecosystem
            self.name = name
            self.ranges = ranges
            self.versions = versions
            self.severity = severity
            self.score = score
        }
    }

    package var id: String
    package var aliases: [String]
    package var summary: String?
    package var details: String?
    package var modified: String?
    package var withdrawn: String?
    package var severity: Severity
    /// The CVSS score the severity came from, when there was one.
    package var score: Double?
    package var references: [String]
    package var affected: [Affected]
    /// Where the record was read from (file name in the database).
    package var source: String
}
