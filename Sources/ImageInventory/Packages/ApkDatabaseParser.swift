import Foundation

/// apk's database, `lib/apk/db/installed`: `K:value` lines, one blank-line-separated
/// record per package (P name, V version, A arch, L license, o origin, m maintainer, U url).
package enum ApkDatabaseParser {
    package static func parse(_ text: String, file: String) throws(InventoryError) -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        var fields: [Character: String] = [:]
        var start = 0
        var lineNumber = 0
        func flush() throws(InventoryError) {
            defer { fields = [:] }
            guard !fields.isEmpty else { return }
            guard let name = fields["P"], !name.isEmpty, let version = fields["V"], !version.isEmpty else {
                throw .malformed(file: file, at: TextPosition(line: start, column: 1), reason: "a package record without P: (name) and V: (version)")
            }
            packages.append(
                InstalledPackage(
                    kind: .apk, name: name, version: version, architecture: fields["A"], sourceName: fields["o"], sourceVersion: version,
                    maintainer: fields["m"], homepage: fields["U"], license: fields["L"].map(LicenseExpression.spdx(fromApk:)),
                    databasePath: file, databaseLine: start))
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if rawLine.isEmpty {
                try flush()
                continue
            }
            let characters = Array(rawLine.prefix(2))
            guard characters.count == 2, characters[1] == ":" else {
                throw .malformed(file: file, at: TextPosition(line: lineNumber, column: min(2, rawLine.count + 1)), reason: "expected 'K:value'")
            }
            if fields.isEmpty { start = lineNumber }
            // Repeated keys (R, F, Z per file) are file lists: only the first of each is kept.
            if fields[characters[0]] == nil { fields[characters[0]] = String(rawLine.dropFirst(2)) }
        }
        try flush()
        return packages
    }
}
