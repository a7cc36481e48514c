import Foundation

/// `usr/share/doc/PKG/copyright` in the machine-readable DEP-5 format: the licenses its
/// `Files` paragraphs (or header) name. Files not in that format declare nothing here.
package enum DebianCopyright {
    static let formatPrefixes = [
        "https://www.debian.org/doc/packaging-manuals/copyright-format/", "http://www.debian.org/doc/packaging-manuals/copyright-format/",
    ]

    /// The SPDX expression for the package, or nil when the file is not DEP-5 or names none.
    package static func license(_ text: String, file: String) throws(InventoryError) -> String? {
        guard text.hasPrefix("Format:") || text.hasPrefix("Format-Specification:") else { return nil }
        let paragraphs = try ControlParagraphParser.parse(text, file: file)
        guard let header = paragraphs.first, let format = header["Format"] ?? header["Format-Specification"],
            formatPrefixes.contains(where: { format.hasPrefix($0) })
        else { return nil }
        var names: [String] = []
        for paragraph in paragraphs where paragraph["Files"] != nil {
            guard let license = paragraph["License"] else { continue }
            let first = license.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            if !first.isEmpty && !names.contains(first) { names.append(first) }
        }
        if names.isEmpty, let license = header["License"]?.split(separator: "\n", maxSplits: 1).first {
            names.append(String(license))
        }
        guard !names.isEmpty else { return nil }
        let expressions = names.map { LicenseExpression.spdx(fromDebian: $0) }
        // Different files under different licenses: the package as a whole is under all.
        if expressions.count == 1 { return expressions[0] }
        return expressions.map { $0.contains(" ") ? "(\($0))" : $0 }.sorted().joined(separator: " AND ")
    }
}
