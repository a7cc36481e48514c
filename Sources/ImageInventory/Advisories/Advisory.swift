import Foundation

/// One OSV record, reduced to what matching needs.
public struct Advisory: Sendable, Hashable, Codable {
    public struct Event: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case introduced, fixed, lastAffected = "last_affected", limit
        }
        public var kind: Kind
        public var version: String

        public init(kind: Kind, version: String) {
            self.kind = kind
            self.version = version
        }
    }

    public struct Range: Sendable, Hashable, Codable {
        /// ECOSYSTEM (the ecosystem's own ordering); SEMVER and GIT ranges are not matched.
        public var type: String
        public var events: [Event]

        public init(type: String, events: [Event]) {
            self.type = type
            self.events = events
        }
    }

    public struct Affected: Sendable, Hashable, Codable {
        public var ecosystem: String
        public var name: String
        public var ranges: [Range]
        public var versions: [String]
        /// This package's own rating (`affected[].severity`, or its ecosystem's label).
        public var severity: Severity?
        /// The CVSS score `severity` came from, when there was one.
        public var score: Double?

        public init(ecosystem: String, name: String, ranges: [Range], versions: [String], severity: Severity?, score: Double? = nil) {
            self.ecosystem = ecosystem
            self.name = name
            self.ranges = ranges
            self.versions = versions
            self.severity = severity
            self.score = score
        }
    }

    public var id: String
    public var aliases: [String]
    public var summary: String?
    public var details: String?
    public var modified: String?
    public var withdrawn: String?
    public var severity: Severity
    /// The CVSS score the severity came from, when there was one.
    public var score: Double?
    public var references: [String]
    public var affected: [Affected]
    /// Where the record was read from (file name in the database).
    public var source: String
}
