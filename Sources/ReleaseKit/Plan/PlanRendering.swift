import Foundation
import SystemSupport
import TerminalProgress

extension ReleasePlan {
    /// Human-readable plan: a summary line, the images in build order, then every build
    /// argument and label.
    package var renderedTable: String {
        let version = self.version
        var lines: [String] = []
        let origin = version.gitTag.map { "tag \($0)" } ?? "snapshot, untagged"
        lines.append("release \(version.version) (\(origin)) revision \(version.revision) created \(ReleasePlanner.timestamp(version.created))")
        lines.append("")
        let rows = images.enumerated().map { index, image in
            ["\(index + 1)", image.type, image.repository, image.tags.joined(separator: ","), image.parent ?? "-"]
        }
        lines.append(TextTable(header: ["#", "IMAGE", "REPOSITORY", "TAGS", "PARENT"], rows: rows).rendered)
        lines.append("")
        lines.append(renderedMatrix)
        lines.append("")
        var settings: [[String]] = []
        for image in images {
            settings += image.buildArgs.map { [image.type, "build-arg", $0.key, $0.value.description] }
            settings += image.labels.map { [image.type, "label", $0.key, $0.value.description] }
        }
        lines.append(TextTable(header: ["IMAGE", "KIND", "KEY", "VALUE"], rows: settings).rendered)
        return lines.joined(separator: "\n")
    }

    /// The image × platform matrix and, per platform, the build order: each platform's
    /// chain runs on its own (base, then dev FROM that platform's base), one index per image.
    package var renderedMatrix: String {
        let platforms = self.platforms
        let matrix = images.map { image in
            [image.type] + platforms.map { image.platforms.contains($0) ? "build" : "-" }
        }
        var lines = [TextTable(header: ["IMAGE"] + platforms.map(\.description), rows: matrix).rendered, ""]
        let order = platforms.map { platform in
            let chain = images(for: platform).map { image in
                image.parent.map { "\(image.type) FROM \($0)@<\(platform) digest>" } ?? image.type
            }
            return [platform.description, chain.joined(separator: " -> ")]
        }
        lines.append(TextTable(header: ["PLATFORM", "BUILD ORDER"], rows: order).rendered)
        return lines.joined(separator: "\n")
    }

    /// Stable, pretty JSON for scripts.
    package func renderedJSON() throws -> String {
        // snake_case keys, as every --json output of both tools (CommandSupport.Output).
        try JSONCoding.text(self, as: .report)
    }
}
