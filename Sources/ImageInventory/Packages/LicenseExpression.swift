import Foundation

/// Turns the license names packages use (Debian's DEP-5 short names, apk's `L:`) into SPDX
/// expressions: known names map to SPDX identifiers, the rest become `LicenseRef-…` so the
/// document stays valid and nothing is claimed that the package did not say.
package enum LicenseExpression {
    /// Debian short names (and common spellings) → SPDX identifiers.
    static let known: [String: String] = [
        "gpl-1": "GPL-1.0-only", "gpl-1+": "GPL-1.0-or-later", "gpl-2": "GPL-2.0-only", "gpl-2+": "GPL-2.0-or-later",
        "gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later", "gpl-3": "GPL-3.0-only", "gpl-3+": "GPL-3.0-or-later",
        "gpl-3.0": "GPL-3.0-only", "gpl-3.0+": "GPL-3.0-or-later", "gpl-2.0-only": "GPL-2.0-only", "gpl-2.0-or-later": "GPL-2.0-or-later",
        "gpl-3.0-only": "GPL-3.0-only", "gpl-3.0-or-later": "GPL-3.0-or-later",
        "lgpl-2": "LGPL-2.0-only", "lgpl-2+": "LGPL-2.0-or-later", "lgpl-2.0": "LGPL-2.0-only", "lgpl-2.0+": "LGPL-2.0-or-later",
        "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later", "lgpl-3": "LGPL-3.0-only", "lgpl-3+": "LGPL-3.0-or-later",
        "lgpl-3.0": "LGPL-3.0-only", "lgpl-3.0+": "LGPL-3.0-or-later", "lgpl-2.1-only": "LGPL-2.1-only", "lgpl-2.1-or-later": "LGPL-2.1-or-later",
        "agpl-3": "AGPL-3.0-only", "agpl-3+": "AGPL-3.0-or-later", "gfdl-1.3": "GFDL-1.3-only", "gfdl-1.3+": "GFDL-1.3-or-later",
        "gfdl-1.2": "GFDL-1.2-only", "gfdl-1.2+": "GFDL-1.2-or-later",
        "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause", "bsd-4-clause": "BSD-4-Clause", "isc": "ISC",
        "expat": "MIT", "mit": "MIT", "apache-2.0": "Apache-2.0", "apache-2": "Apache-2.0", "artistic": "Artistic-1.0-Perl",
        "artistic-2.0": "Artistic-2.0", "zlib": "Zlib", "mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0", "cc0-1.0": "CC0-1.0",
        "cc0": "CC0-1.0", "x11": "X11", "openssl": "OpenSSL", "python": "Python-2.0", "psf-2": "PSF-2.0", "curl": "curl",
        "bzip2-1.0.6": "bzip2-1.0.6", "unicode-dfs-2016": "Unicode-DFS-2016", "0bsd": "0BSD", "unlicense": "Unlicense",
        "wtfpl": "WTFPL", "ftl": "FTL", "libpng": "Libpng", "libpng-2.0": "libpng-2.0", "sleepycat": "Sleepycat",
        "gpl-2+ with autoconf exception": "GPL-2.0-or-later WITH Autoconf-exception-2.0",
        "gpl-3+ with autoconf exception": "GPL-3.0-or-later WITH Autoconf-exception-3.0",
        "gpl-3+ with bison exception": "GPL-3.0-or-later WITH Bison-exception-2.2",
        "mit-0": "MIT-0", "bsl-1.0": "BSL-1.0", "ofl-1.1": "OFL-1.1", "cc-by-4.0": "CC-BY-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
    ]

    /// `LicenseRef-` ids this expression uses (they must be declared in an SPDX document).
    package static func references(in expression: String) -> [String] {
        expression.split(whereSeparator: { " ()".contains($0) }).map(String.init).filter { $0.hasPrefix("LicenseRef-") }
    }

    /// A Debian license field's first line ("GPL-2+ or Artistic", "BSD-3-clause and MIT").
    package static func spdx(fromDebian name: String) -> String {
        convert(name, separators: [(" or ", "OR"), (" | ", "OR"), (" and ", "AND"), (", and ", "AND"), (" & ", "AND")])
    }

    /// An apk `L:` value ("MIT AND BSD-2-Clause", "GPL-2.0-or-later").
    package static func spdx(fromApk name: String) -> String {
        convert(name, separators: [(" OR ", "OR"), (" or ", "OR"), (" AND ", "AND"), (" and ", "AND")])
    }

    private static func convert(_ text: String, separators: [(String, String)]) -> String {
        var tokens: [(String, String?)] = [(text.trimmingCharacters(in: .whitespaces), nil)]
        for (separator, op) in separators {
            tokens = tokens.flatMap { term, existing -> [(String, String?)] in
                let parts = term.components(separatedBy: separator)
                return parts.enumerated().map { index, part in
                    (part.trimmingCharacters(in: .whitespaces), index == 0 ? existing : op)
                }
            }
        }
        var output = ""
        for (term, op) in tokens where !term.isEmpty {
            if let op, !output.isEmpty { output += " \(op) " }
            output += identifier(term)
        }
        return output.isEmpty ? "NOASSERTION" : output
    }

    /// One license name → SPDX id, or a LicenseRef of the name's allowed characters.
    static func identifier(_ name: String) -> String {
        let trimmed = name.trimmingCharacters(in: CharacterSet(charactersIn: " ()"))
        if let known = known[trimmed.lowercased()] { return known }
        // An already-SPDX-looking id the table does not know is kept as a reference, not
        // asserted as a listed license.
        let cleaned = String(trimmed.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" })
        return "LicenseRef-" + (cleaned.isEmpty ? "unknown" : cleaned)
    }
}
