import Foundation

/// `/etc/os-release` (or `/usr/lib/os-release`): shell-style KEY=value lines.
package struct OSRelease: Sendable, Hashable, Codable {
    package var id: String
    package var versionID: String?
    package var versionCodename: String?
    package var prettyName: String?
    package var fields: [String: String]

    package init(fields: [String: String]) {
        self.fields = fields
        id = fields["ID"] ?? "linux"
        versionID = fields["VERSION_ID"]
        versionCodename = fields["VERSION_CODENAME"]
        prettyName = fields["PRETTY_NAME"]
    }

    /// Parses the file; lines that are not KEY=value are errors with their position.
    package static func parse(_ text: String, file: String = "etc/os-release") throws(InventoryError) -> OSRelease {
        var fields: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw .malformed(file: file, at: TextPosition(line: index + 1, column: 1), reason: "expected KEY=value")
            }
            let key = String(line[..<equals])
            var value = String(line[line.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
                if first == "\"" {
                    value = value.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                }
            }
            fields[key] = value
        }
        return OSRelease(fields: fields)
    }

    /// The OSV ecosystem of this release: `Debian:12`, `Alpine:v3.19`; nil for others.
    package var osvEcosystem: String? {
        switch id {
        case "debian":
            guard let major = versionID?.split(separator: ".").first else { return nil }
            return "Debian:\(major)"
        case "alpine":
            guard let parts = versionID?.split(separator: "."), parts.count >= 2 else { return nil }
            return "Alpine:v\(parts[0]).\(parts[1])"
        default:
            return nil
        }
    }

    /// The purl `distro` qualifier: `debian-12`, `alpine-3.19.1`.
    package var purlDistro: String? {
        guard let versionID else { return nil }
        return "\(id)-\(versionID)"
    }
}
