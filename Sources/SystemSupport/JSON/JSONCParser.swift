import Foundation

/// A syntax error in a JSON or JSONC document, with its position.
package struct JSONCSyntaxError: Error, Equatable, Sendable, DescribedError {
    package let file: String
    package let location: SourceLocation
    package let message: String

    package var description: String { "\(file):\(location): \(message)" }
}

/// The package's one JSON parser, with source positions. By default it reads JSONC: JSON
/// with `//` and `/* */` comments and trailing commas (the dialect of VS Code settings and
/// `oubliette.jsonc`), where duplicate object keys are an error rather than "last one wins",
/// because a silently ignored setting is worse than a refusal. In ``Mode/strict`` it reads
/// exactly RFC 8259, as machine-written documents (OSV advisories) are.
package struct JSONCParser {
    /// What the parser accepts.
    package enum Mode: Sendable, Equatable {
        /// Comments and trailing commas allowed; duplicate keys refused.
        case jsonc
        /// RFC 8259 only: comments and trailing commas are errors. A leading UTF-8
        /// byte-order mark is skipped (§8.1 lets parsers ignore one) and a duplicate key's
        /// last value wins, as ImageInventory's strict parser did and most JSON readers do.
        case strict
    }

    private let bytes: [UInt8]
    private let file: String
    private let mode: Mode
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// Open arrays and objects around the current position.
    private var depth = 0
    /// The last computed column and the byte it was computed at, so locations on one long
    /// line cost the distance since the previous one rather than from the line start.
    private var columnMark = (index: 0, column: 1)
    /// Where the last byte above 0x7F was passed, so a location after ASCII alone is a
    /// subtraction rather than a count.
    private var lastNonASCII = -1

    /// Deeper documents are refused: recursion depth is bounded by the stack, and no
    /// configuration file or advisory needs anywhere near this many levels. The stricter of
    /// the two parsers' former limits (512 for JSONC, 256 for strict JSON).
    package static let maximumDepth = 256

    package static func parse(_ text: String, file: String = "<input>", mode: Mode = .jsonc) throws(JSONCSyntaxError) -> JSONCValue {
        try parse(bytes: Array(text.utf8), file: file, mode: mode)
    }

    /// Bytes that are not UTF-8 are read as U+FFFD inside strings, as `String(decoding:)` does.
    package static func parse(_ data: Data, file: String = "<input>", mode: Mode = .jsonc) throws(JSONCSyntaxError) -> JSONCValue {
        try parse(bytes: [UInt8](data), file: file, mode: mode)
    }

    private static func parse(bytes: [UInt8], file: String, mode: Mode) throws(JSONCSyntaxError) -> JSONCValue {
        var parser = JSONCParser(bytes: bytes, file: file, mode: mode)
        try parser.skipTrivia()
        let value = try parser.parseValue()
        try parser.skipTrivia()
        guard parser.index == parser.bytes.count else {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document")
        }
        return value
    }

    private init(bytes: [UInt8], file: String, mode: Mode) {
        self.bytes = bytes
        self.file = file
        self.mode = mode
        if mode == .strict, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            // Columns count from after the mark, as an editor shows them.
            index = 3
            lineStart = 3
        }
    }

    private var location: SourceLocation {
        mutating get {
            // Columns count characters, not bytes, so editors agree with us.
            if columnMark.index < lineStart { columnMark = (lineStart, 1) }
            let run = columnMark.index..<index
            let column = columnMark.column + (lastNonASCII < run.lowerBound ? run.count : Self.characterCount(bytes[run]))
            columnMark = (index, column)
            return SourceLocation(line: line, column: column)
        }
    }

    /// Characters in part of one line: its length when it is ASCII (almost always, and no
    /// "\r\n" pair can be inside a line), else what decoding it counts.
    private static func characterCount(_ run: ArraySlice<UInt8>) -> Int {
        if run.allSatisfy({ $0 < 0x80 }) { return run.count }
        return String(decoding: run, as: UTF8.self).count
    }

    /// A position kept cheaply and located only if an error needs it (a comma that may turn
    /// out to be a trailing one).
    private struct Mark {
        let index: Int
        let line: Int
        let lineStart: Int
    }

    private var mark: Mark { Mark(index: index, line: line, lineStart: lineStart) }

    private func location(of mark: Mark) -> SourceLocation {
        SourceLocation(line: mark.line, column: 1 + Self.characterCount(bytes[mark.lineStart..<mark.index]))
    }

    private mutating func error(_ message: String, at location: SourceLocation? = nil) -> JSONCSyntaxError {
        JSONCSyntaxError(file: file, location: location ?? self.location, message: message)
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        // Decode the whole UTF-8 sequence so a non-ASCII character is shown as itself.
        var end = index + 1
        while end < bytes.count, end - index < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        guard let scalar = String(decoding: bytes[index..<end], as: UTF8.self).unicodeScalars.first else { return "end of file" }
        if scalar.value < 0x20 || scalar.value == 0x7F { return "control character \(Self.codePoint(scalar.value))" }
        // The code point too, so an invisible one (a BOM, a zero-width space) can be found.
        if scalar.value > 0x7F { return "'\(Character(scalar))' (\(Self.codePoint(scalar.value)))" }
        return "'\(Character(scalar))'"
    }

    /// `U+001F` style, for messages about characters that cannot be shown.
    private static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    private mutating func advance() {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        } else if byte >= 0x80 {
            lastNonASCII = index
        }
        index += 1
    }

    /// `//` or `/*` at the current position.
    private var startsComment: Bool {
        index + 1 < bytes.count && bytes[index] == UInt8(ascii: "/")
            && (bytes[index + 1] == UInt8(ascii: "/") || bytes[index + 1] == UInt8(ascii: "*"))
    }

    private mutating func skipTrivia() throws(JSONCSyntaxError) {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                advance()
            case UInt8(ascii: "/") where mode == .strict && startsComment:
                throw error("comments are not allowed in strict JSON (RFC 8259)")
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { advance() }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                let start = location
                advance(); advance()
                while true {
                    guard index < bytes.count else { throw error("unterminated /* comment", at: start) }
                    if bytes[index] == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                        advance(); advance()
                        break
                    }
                    advance()
                }
            default:
                return
            }
        }
    }

    private mutating func parseValue() throws(JSONCSyntaxError) -> JSONCValue {
        let start = location
        guard index < bytes.count else { throw error("expected a value, found end of file") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return JSONCValue(kind: .string(try parseString()), location: start)
        case UInt8(ascii: "t"): try expectWord("true"); return JSONCValue(kind: .bool(true), location: start)
        case UInt8(ascii: "f"): try expectWord("false"); return JSONCValue(kind: .bool(false), location: start)
        case UInt8(ascii: "n"): try expectWord("null"); return JSONCValue(kind: .null, location: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func expectWord(_ word: String) throws(JSONCSyntaxError) {
        let start = location
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else {
                throw error("invalid literal; did you mean \(word)? (strings need double quotes)", at: start)
            }
            advance()
        }
    }

    /// RFC 8259 numbers only: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    /// The whole run of number-like characters is taken first so the message quotes it.
    private mutating func parseNumber() throws(JSONCSyntaxError) -> JSONCValue {
        let start = location
        let startIndex = index
        while index < bytes.count, Self.isNumberCharacter(bytes[index]) { advance() }
        let run = bytes[startIndex..<index]
        let text = String(decoding: run, as: UTF8.self)
        if let reason = Self.numberGrammarViolation(Array(run)) {
            throw error("invalid number '\(text)': \(reason)", at: start)
        }
        guard let value = Double(text), value.isFinite else {
            throw error("number '\(text)' is out of range", at: start)
        }
        return JSONCValue(kind: .number(value), location: start)
    }

    private static func isNumberCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// Why `run` is not an RFC 8259 number, or nil when it is one.
    private static func numberGrammarViolation(_ run: [UInt8]) -> String? {
        var i = 0
        func isDigit(_ at: Int) -> Bool { at < run.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(run[at]) }
        func digits() -> Int {
            let begin = i
            while isDigit(i) { i += 1 }
            return i - begin
        }
        if i < run.count, run[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return "expected a digit after '-'" }
        if run[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { return "leading zeros are not allowed" }
        } else {
            _ = digits()
        }
        if i < run.count, run[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return "a '.' must be followed by digits" }
        }
        if i < run.count, run[i] == UInt8(ascii: "e") || run[i] == UInt8(ascii: "E") {
            i += 1
            if i < run.count, run[i] == UInt8(ascii: "+") || run[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return "an exponent needs digits" }
        }
        guard i == run.count else { return "unexpected '\(Character(UnicodeScalar(run[i])))' in a number" }
        return nil
    }

    private mutating func parseString() throws(JSONCSyntaxError) -> String {
        let start = location
        advance() // opening quote
        var out = [UInt8]()
        while true {
            guard index < bytes.count else { throw error("unterminated string", at: start) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\n"):
                throw error("unterminated string (newline inside quotes)", at: start)
            case 0x00..<0x20:
                // RFC 8259 §7: control characters must be escaped inside strings.
                throw error("control character \(Self.codePoint(UInt32(byte))) inside a string must be written as an escape such as \\t or \\u00XX")
            case UInt8(ascii: "\\"):
                let escapeStart = location
                advance()
                guard index < bytes.count else { throw error("unterminated string", at: start) }
                let escape = bytes[index]
                switch escape {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    advance()
                    let scalar = try parseUnicodeEscape(escapeStart: escapeStart)
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    continue
                default:
                    throw error("invalid escape '\\\(describeEscape(escape))' in string", at: escapeStart)
                }
                advance()
            default:
                out.append(byte)
                advance()
            }
        }
    }

    private func describeEscape(_ byte: UInt8) -> String {
        byte < 0x20 || byte >= 0x7F ? Self.codePoint(UInt32(byte)) : String(Character(UnicodeScalar(byte)))
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` low surrogate
    /// that must follow it. Lone or mismatched surrogates are errors, not replacement
    /// characters, because they usually mean a truncated or mangled value.
    private mutating func parseUnicodeEscape(escapeStart: SourceLocation) throws(JSONCSyntaxError) -> Unicode.Scalar {
        let first = try parseHex4(escapeStart: escapeStart)
        switch first {
        case 0xD800...0xDBFF:
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("high surrogate \\u\(Self.hex4(first)) must be followed by a \\uDC00-\\uDFFF low surrogate", at: escapeStart)
            }
            let lowStart = location
            advance(); advance()
            let low = try parseHex4(escapeStart: lowStart)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error("high surrogate \\u\(Self.hex4(first)) is followed by \\u\(Self.hex4(low)), not a \\uDC00-\\uDFFF low surrogate", at: escapeStart)
            }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else {
                throw error("invalid surrogate pair", at: escapeStart)
            }
            return scalar
        case 0xDC00...0xDFFF:
            throw error("low surrogate \\u\(Self.hex4(first)) without a preceding high surrogate", at: escapeStart)
        default:
            guard let scalar = Unicode.Scalar(first) else { throw error("invalid \\u escape", at: escapeStart) }
            return scalar
        }
    }

    private static func hex4(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Exactly four ASCII hex digits (no sign, unlike `UInt32(_:radix:)` accepts).
    private mutating func parseHex4(escapeStart: SourceLocation) throws(JSONCSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard index + offset < bytes.count, let digit = Self.hexValue(bytes[index + offset]) else {
                throw error("\\u must be followed by four hex digits", at: escapeStart)
            }
            value = value << 4 | digit
        }
        for _ in 0..<4 { advance() }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Counts one more open array or object, refusing past `maximumDepth`.
    private mutating func enterContainer(at start: SourceLocation) throws(JSONCSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw error("arrays and objects are nested more than \(Self.maximumDepth) levels deep", at: start)
        }
    }

    /// In strict mode, a `,` followed by the closing bracket is an error at the comma.
    private mutating func refuseTrailingComma(_ comma: Mark?, closing: String) throws(JSONCSyntaxError) {
        guard mode == .strict, let comma else { return }
        throw error("a trailing comma before '\(closing)' is not allowed in strict JSON (RFC 8259)", at: location(of: comma))
    }

    private mutating func parseArray() throws(JSONCSyntaxError) -> JSONCValue {
        let start = location
        try enterContainer(at: start)
        defer { depth -= 1 }
        advance()
        var elements: [JSONCValue] = []
        var comma: Mark?
        try skipTrivia()
        while true {
            guard index < bytes.count else { throw error("unterminated array (missing ']')", at: start) }
            if bytes[index] == UInt8(ascii: "]") {
                try refuseTrailingComma(comma, closing: "]")
                advance()
                break
            }
            elements.append(try parseValue())
            comma = nil
            try skipTrivia()
            guard index < bytes.count else { throw error("unterminated array (missing ']')", at: start) }
            if bytes[index] == UInt8(ascii: ",") {
                comma = mark
                advance()
                try skipTrivia()
            } else if bytes[index] != UInt8(ascii: "]") {
                throw error("expected ',' or ']' in array, found \(describeCurrent())")
            }
        }
        return JSONCValue(kind: .array(elements), location: start)
    }

    private mutating func parseObject() throws(JSONCSyntaxError) -> JSONCValue {
        let start = location
        try enterContainer(at: start)
        defer { depth -= 1 }
        advance()
        var members: [JSONCValue.Member] = []
        // Where each key's member is in `members`.
        var positions: [String: Int] = [:]
        var comma: Mark?
        try skipTrivia()
        while true {
            guard index < bytes.count else { throw error("unterminated object (missing '}')", at: start) }
            if bytes[index] == UInt8(ascii: "}") {
                try refuseTrailingComma(comma, closing: "}")
                advance()
                break
            }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a quoted key or '}', found \(describeCurrent())")
            }
            let keyLocation = location
            let key = try parseString()
            if positions[key] != nil, mode == .jsonc {
                throw error("duplicate key \"\(key)\"", at: keyLocation)
            }
            try skipTrivia()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after key \"\(key)\", found \(describeCurrent())")
            }
            advance()
            try skipTrivia()
            let value = try parseValue()
            comma = nil
            let member = JSONCValue.Member(key: key, keyLocation: keyLocation, value: value)
            if let earlier = positions[key] {
                members[earlier] = member // strict mode: the last value wins
            } else {
                positions[key] = members.count
                members.append(member)
            }
            try skipTrivia()
            guard index < bytes.count else { throw error("unterminated object (missing '}')", at: start) }
            if bytes[index] == UInt8(ascii: ",") {
                comma = mark
                advance()
                try skipTrivia()
            } else if bytes[index] != UInt8(ascii: "}") {
                throw error("expected ',' or '}' after the value of \"\(key)\", found \(describeCurrent())")
            }
        }
        return JSONCValue(kind: .object(members), location: start)
    }
}
