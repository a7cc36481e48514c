import Foundation

/// One RFC 822-style paragraph of a Debian control file (dpkg status, DEP-5 copyright).
package struct ControlParagraph: Sendable, Hashable {
    /// Field names in order of appearance with their (continuation-joined) values.
    package var fields: [(name: String, value: String)]
    /// Line where the paragraph starts.
    package var line: Int

    package subscript(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    package static func == (lhs: ControlParagraph, rhs: ControlParagraph) -> Bool {
        lhs.line == rhs.line && lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}

/// Splits control-file text into paragraphs. A line is `Name: value`, a continuation
/// (starting with space or tab), a blank line between paragraphs, or (outside dpkg's own
/// files) a `#` comment; anything else is an error with its line:column.
package enum ControlParagraphParser {
    package static func parse(_ text: String, file: String) throws(InventoryError) -> [ControlParagraph] {
        var paragraphs: [ControlParagraph] = []
        var current: [(name: String, value: String)] = []
        var start = 0
        var lineNumber = 0
        func flush() {
            if !current.isEmpty { paragraphs.append(ControlParagraph(fields: current, line: start)) }
            current = []
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine[...]
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                flush()
                continue
            }
            if line.first == "#" { continue }
            if line.first == " " || line.first == "\t" {
                guard !current.isEmpty else {
                    throw .malformed(
                        file: file, at: TextPosition(line: lineNumber, column: 1),
                        reason: "a continuation line (starting with a space) before any field")
                }
                var content = line.drop { $0 == " " || $0 == "\t" }
                if content == "." { content = "" }
                current[current.count - 1].value += "\n" + content
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformed(
                    file: file, at: TextPosition(line: lineNumber, column: line.count + 1), reason: "expected 'Field: value' (no ':' on this line)")
            }
            let name = line[..<colon]
            if let bad = name.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                throw .malformed(
                    file: file, at: TextPosition(line: lineNumber, column: name.distance(from: name.startIndex, to: bad) + 1),
                    reason: "a field name cannot contain spaces")
            }
            guard !name.isEmpty else {
                throw .malformed(file: file, at: TextPosition(line: lineNumber, column: 1), reason: "a field name is empty")
            }
            if current.isEmpty { start = lineNumber }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            current.append((String(name), value))
        }
        flush()
        return paragraphs
    }
}
