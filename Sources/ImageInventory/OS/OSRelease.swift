import Foundation

/// `/etc/os-release` (or `/usr/lib/os-release`): shell-style KEY=value lines.
public struct OSRelease: Sendable, Hashable, Codable {
    public var id: String
    public var versionID: String?
    public var versionCodename: String?
    public var prettyName: String?
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
        id = fields["ID"] ?? "linux"
        versionID = fields["VERSION_ID"]
        versionCodename = fields["VERSION_CODENAME"]
        prettyName = fields["PRETTY_NAME"]
    }

    /// Parses the file; lines that are not KEY=value are errors with their position.
    public static func parse(_ text: String, file: String = "etc/os-release") throws(InventoryError) -> OSRelease {
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
    public var osvEcosystem: String? {
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
    public var purlDistro: String? {
        guard let versionID else { return nil }
        return "\(id)-\(versionID)"
    }
}
