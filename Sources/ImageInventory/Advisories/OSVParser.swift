import Foundation
import SystemSupport

/// Reads OSV schema records (https://ossf.github.io/osv-schema/): `id`, `modified`,
/// `withdrawn`, `aliases`, `summary`, `details`, `severity` (CVSS v2/v3/v4 vectors),
/// `affected` (package ecosystem + name, `ranges` with introduced/fixed/last_affected/limit
/// events, `versions`, the package's own `severity` and its `ecosystem_specific`/
/// `database_specific` label),
/// `references`, `database_specific.severity`. Unknown fields are ignored, wrong types
/// are errors at their line:column. Records are read as strict RFC 8259 JSON.
package enum OSVParser {
    package static func parse(_ data: Data, file: String) throws(InventoryError) -> Advisory {
        let root: JSONCValue
        do { root = try JSONCParser.parse(data, file: file, mode: .strict) } catch {
            throw .malformed(file: file, at: TextPosition(error.location), reason: error.message)
        }
        return try advisory(root, file: file)
    }

    static func advisory(_ root: JSONCValue, file: String) throws(InventoryError) -> Advisory {
        guard case .object = root.kind else { throw fail(file, root, "an OSV record is a JSON object") }
        let id = try requiredString(root, "id", file: file)
        let rated = try rating(try array(root, "severity", file: file), file: file)
        var severity = rated.0
        let score = rated.1
        if severity == .unknown, let specific = root["database_specific"], case .object = specific.kind, let label = specific["severity"]?.stringValue {
            severity = Severity(label: label) ?? .unknown
        }
        var affected: [Advisory.Affected] = []
        for entry in try array(root, "affected", file: file) {
            guard case .object = entry.kind else { throw fail(file, entry, "each 'affected' entry is an object") }
            guard let package = entry["package"] else { continue }
            let ecosystem = try requiredString(package, "ecosystem", file: file)
            let name = try requiredString(package, "name", file: file)
            var ranges: [Advisory.Range] = []
            for range in try array(entry, "ranges", file: file) {
                let type = try requiredString(range, "type", file: file)
                var events: [Advisory.Event] = []
                for event in try array(range, "events", file: file) {
                    guard case let .object(members) = event.kind, members.count >= 1 else {
                        throw fail(file, event, "each range event is an object with one of introduced, fixed, last_affected, limit")
                    }
                    for member in members {
                        guard let kind = Advisory.Event.Kind(rawValue: member.key) else { continue }
                        guard let version = member.value.stringValue else {
                            throw fail(file, member.value, "'\(member.key)' must be a version string")
                        }
                        events.append(Advisory.Event(kind: kind, version: version))
                    }
                }
                ranges.append(Advisory.Range(type: type, events: events))
            }
            var versions: [String] = []
            for version in try array(entry, "versions", file: file) {
                guard let text = version.stringValue else { throw fail(file, version, "'versions' holds strings") }
                versions.append(text)
            }
            // "This severity field applies to a specific package" (schema.md, affected[].severity).
            let (rated, packageScore) = try rating(try array(entry, "severity", file: file), file: file)
            var packageSeverity: Severity? = rated == .unknown ? nil : rated
            for key in ["ecosystem_specific", "database_specific"] {
                guard packageSeverity == nil, let specific = entry[key], case .object = specific.kind else { continue }
                for field in ["severity", "urgency"] {
                    if let label = specific[field]?.stringValue, let rated = Severity(label: label) {
                        packageSeverity = rated
                        break
                    }
                }
            }
            affected.append(
                Advisory.Affected(ecosystem: ecosystem, name: name, ranges: ranges, versions: versions, severity: packageSeverity, score: packageScore))
        }
        var aliases: [String] = []
        for alias in try array(root, "aliases", file: file) {
            guard let text = alias.stringValue else { throw fail(file, alias, "'aliases' holds strings") }
            aliases.append(text)
        }
        var references: [String] = []
        for reference in try array(root, "references", file: file) {
            if let url = try optionalString(reference, "url", file: file) { references.append(url) }
        }
        return Advisory(
            id: id, aliases: aliases, summary: try optionalString(root, "summary", file: file), details: try optionalString(root, "details", file: file),
            modified: try optionalString(root, "modified", file: file), withdrawn: try optionalString(root, "withdrawn", file: file),
            severity: severity, score: score, references: references, affected: affected, source: file)
    }

    /// The highest-rated entry of a `severity` array: CVSS_V2/V3/V4 vectors scored (a bare
    /// number taken as the score), `Ubuntu` priorities by their label.
    private static func rating(_ entries: [JSONCValue], file: String) throws(InventoryError) -> (Severity, Double?) {
        var best: (severity: Severity, score: Double?) = (.unknown, nil)
        for entry in entries {
            let type = try optionalString(entry, "type", file: file) ?? ""
            guard let text = try optionalString(entry, "score", file: file) else { continue }
            if type.hasPrefix("CVSS") {
                // Some feeds put a numeric base score instead of a vector.
                let number = Double(text)
                guard let value = number ?? CVSSVector.score(text) else { continue }
                let version2 = number != nil ? type == "CVSS_V2" : CVSSVector.isVersion2(text)
                if best.score.map({ value > $0 }) ?? true { best = (version2 ? Severity(version2Score: value) : Severity(score: value), value) }
            } else if best.score == nil, let label = Severity(label: text), label > best.severity {
                best = (label, nil)
            }
        }
        return best
    }

    private static func fail(_ file: String, _ value: JSONCValue, _ reason: String) -> InventoryError {
        .malformed(file: file, at: TextPosition(value.location), reason: reason)
    }

    private static func requiredString(_ object: JSONCValue, _ key: String, file: String) throws(InventoryError) -> String {
        guard case .object = object.kind else { throw fail(file, object, "expected an object with '\(key)'") }
        guard let value = object[key] else { throw fail(file, object, "the object has no '\(key)'") }
        guard let text = value.stringValue else { throw fail(file, value, "'\(key)' must be a string") }
        return text
    }

    private static func optionalString(_ object: JSONCValue, _ key: String, file: String) throws(InventoryError) -> String? {
        guard case .object = object.kind else { throw fail(file, object, "expected an object") }
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw fail(file, value, "'\(key)' must be a string") }
        return text
    }

    private static func array(_ object: JSONCValue, _ key: String, file: String) throws(InventoryError) -> [JSONCValue] {
        guard let value = object[key], !value.isNull else { return [] }
        guard let elements = value.arrayValue else { throw fail(file, value, "'\(key)' must be an array") }
        return elements
    }
}

extension TextPosition {
    fileprivate init(_ location: SourceLocation) {
        self.init(line: location.line, column: location.column)
    }
}
