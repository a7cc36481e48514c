import Foundation

/// Measuring and fitting text to a terminal row, and the one way sizes and durations are
/// written (decimal units, as docker shows them).
package enum TerminalText {
    /// Columns `text` takes on a terminal: East Asian wide and emoji characters take two,
    /// everything else one (a combining mark belongs to its character).
    package static func displayWidth(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    static func width(of character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if scalar.value < 0x20 { return 0 }
        return isWide(scalar.value) ? 2 : 1
    }

    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix of `text` at most `width` columns wide.
    static func prefix(_ text: Substring, width: Int) -> Substring {
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let next = used + Self.width(of: text[index])
            if next > width { break }
            used = next
            end = text.index(after: index)
        }
        return text[..<end]
    }

    /// `text` cut to `width` columns at a word boundary (mid-word only when one word is
    /// longer than the line), ending in "…" when anything was cut.
    package static func clipped(_ text: String, to width: Int) -> String {
        guard displayWidth(text) > width else { return text }
        guard width > 1 else { return width == 1 ? "…" : "" }
        // Room for the ellipsis; a space right after the kept part means a word ended there.
        let head = prefix(text[...], width: width - 1)
        let cutAtBoundary = head.endIndex < text.endIndex && text[head.endIndex] == " "
        if !cutAtBoundary, let space = head.lastIndex(of: " "), !head[..<space].allSatisfy({ $0 == " " }) {
            return String(head[..<space]).trimmingCharacters(in: .whitespaces) + "…"
        }
        let kept = String(head).trimmingCharacters(in: .whitespaces)
        return kept + "…"
    }

    /// `text` broken into lines of at most `width` columns between words; a single word
    /// longer than a line (a digest on a narrow terminal) is shortened with "…" rather than
    /// left for the terminal to break.
    package static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for whole in text.split(separator: " ", omittingEmptySubsequences: false) {
            let word = displayWidth(String(whole)) > width ? clipped(String(whole), to: width) : String(whole)
            if current.isEmpty {
                current = word
            } else if displayWidth(current) + 1 + displayWidth(word) <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        lines.append(current)
        return lines
    }

    /// `512 B`, `1.5 kB`, `12.3 MB`, `4.0 GB`: decimal units, as docker shows sizes.
    package static func bytes(_ count: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// `45 s`, `3 min 5 s`, `2 h 10 min`.
    package static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min\(total % 60 == 0 ? "" : " \(total % 60) s")" }
        return "\(total / 3600) h \((total % 3600) / 60) min"
    }
}
