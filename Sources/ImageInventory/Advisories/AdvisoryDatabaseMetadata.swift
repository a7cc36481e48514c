import Foundation
import SystemSupport

/// What `--update-db` writes beside the records: when and from where, so a scan can say
/// how old its data is.
package struct AdvisoryDatabaseMetadata: Sendable, Hashable, Codable {
    package static let fileName = "database.json"

    package struct Source: Sendable, Hashable, Codable {
        package var url: String
        package var directory: String
        package var records: Int
    }

    package var updated: Date
    package var sources: [Source]

    package init(updated: Date, sources: [Source]) {
        self.updated = updated
        self.sources = sources
    }

    static func read(from directory: URL) -> AdvisoryDatabaseMetadata? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONCoding.decode(AdvisoryDatabaseMetadata.self, from: data, as: .state)
    }

    /// "3 days old (updated 2026-11-28T10:00:00Z)".
    package func age(now: Date = Date()) -> String {
        let seconds = max(0, now.timeIntervalSince(updated))
        let formatter = ISO8601DateFormatter()
        let when = formatter.string(from: updated)
        if seconds < 3600 { return "\(Int(seconds / 60)) minutes old (updated \(when))" }
        if seconds < 86_400 * 2 { return "\(Int(seconds / 3600)) hours old (updated \(when))" }
        return "\(Int(seconds / 86_400)) days old (updated \(when))"
    }
}
