import Foundation

/// dpkg's database: `var/lib/dpkg/status`, or one file per package in `status.d/` (distroless).
package enum DpkgStatusParser {
    /// Installed packages of one status file. A paragraph without `Package`/`Version` is an
    /// error; packages whose state is `not-installed` or `config-files` are left out (as
    /// `dpkg-query -W` shows them with no version).
    package static func parse(_ text: String, file: String) throws(InventoryError) -> [InstalledPackage] {
        let paragraphs = try ControlParagraphParser.parse(text, file: file)
        var packages: [InstalledPackage] = []
        for paragraph in paragraphs {
            guard let name = paragraph["Package"], !name.isEmpty else {
                throw .malformed(file: file, at: TextPosition(line: paragraph.line, column: 1), reason: "a package record without a 'Package' field")
            }
            if let status = paragraph["Status"] {
                let words = status.split(separator: " ")
                if words.count == 3, words[2] == "not-installed" || words[2] == "config-files" { continue }
            }
            guard let version = paragraph["Version"], !version.isEmpty else {
                throw .malformed(
                    file: file, at: TextPosition(line: paragraph.line, column: 1), reason: "package '\(name)' has no 'Version' field")
            }
            var sourceName = name
            var sourceVersion = version
            if let source = paragraph["Source"] {
                // "Source: name (version)" when the source version differs (binNMUs).
                let parts = source.split(separator: " ", maxSplits: 1)
                if let first = parts.first { sourceName = String(first) }
                if parts.count == 2 {
                    let rest = parts[1].trimmingCharacters(in: .whitespaces)
                    if rest.hasPrefix("("), rest.hasSuffix(")") { sourceVersion = String(rest.dropFirst().dropLast()) }
                }
            }
            packages.append(
                InstalledPackage(
                    kind: .deb, name: name, version: version, architecture: paragraph["Architecture"], sourceName: sourceName,
                    sourceVersion: sourceVersion, maintainer: paragraph["Maintainer"], homepage: paragraph["Homepage"],
                    databasePath: file, databaseLine: paragraph.line))
        }
        return packages
    }
}
