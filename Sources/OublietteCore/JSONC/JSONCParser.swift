import Foundation
import SystemSupport

/// A syntax error in a JSONC document, with its position.
public struct JSONCSyntaxError: Error, Equatable, Sendable, DescribedError {
    public let file: String
    public let location: SourceLocation
    public let message: String

    public var description: String { "\(file):\(location): \(message)" }
}

/// Parses JSON with `//` and `/* */` comments and trailing commas (the dialect of
/// VS Code settings and `oubliette.jsonc`). Duplicate object keys are an error rather than
/// "last one wins", because a silently ignored setting is worse than a refusal.
public struct JSONCParser {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var lineStart = 0

    public static func parse(_ text: String, file: String = "<input>") throws(JSONCSyntaxError) -> JSONCValue {
        var parser = JSONCParser(bytes: Array(text.utf8), file: file)
        try parser.skipTrivia()
        let value = try parser.parseValue()
        try parser.skipTrivia()
        guard parser.index == parser.bytes.count else {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document")
        }
        return value
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private var location: SourceLocation {
        // Columns count characters, not bytes, so editors agree with us.
        let column = String(decoding: bytes[lineStart..<index], as: UTF8.self).count + 1
        return SourceLocation(line: line, column: column)
    }

    private func error(_ message: String, at location: SourceLocation? = nil) -> JSONCSyntaxError {
        JSONCSyntaxError(file: file, location: location ?? self.location, message: message)
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of file" }
        let scalar = UnicodeScalar(bytes[index])
        return "'\(Character(scalar))'"
    }

    private mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    private mutating func skipTrivia() throws(JSONCSyntaxError) {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                advance()
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

    private mutating func parseNumber() throws(JSONCSyntaxError) -> JSONCValue {
        let start = location
        let startIndex = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { advance() }
        let text = String(decoding: bytes[startIndex..<index], as: UTF8.self)
        guard let value = Double(text), text.first != "+" else { throw error("invalid number '\(text)'", at: start) }
        return JSONCValue(kind: .number(value), location: start)
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
            case UInt8(ascii: "\\"):
                advance()
                guard index < bytes.count else { throw error("unterminated string", at: start) }
                let escape = bytes[index]
                advance()
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
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count,
                       bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        advance(); advance()
                        let low = try parseHex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("invalid escape '\\\(Character(UnicodeScalar(escape)))' in string")
                }
            default:
                out.append(byte)
                advance()
            }
        }
    }

    private mutating func parseHex4() throws(JSONCSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw error("\\u must be followed by four hex digits")
        }
        for _ in 0..<4 { advance() }
        return value
    }

    private mutating func parseArray() throws(JSONCSyntaxError) -> JSONCValue {
        let start = location
        advance()
        var elements: [JSONCValue] = []
        try skipTrivia()
        while true {
            guard index < bytes.count else { throw error("unterminated array (missing ']')", at: start) }
            if bytes[index] == UInt8(ascii: "]") { advance(); break }
            elements.append(try parseValue())
            try skipTrivia()
            guard index < bytes.count else { throw error("unterminated array (missing ']')", at: start) }
            if bytes[index] == UInt8(ascii: ",") {
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
        advance()
        var members: [JSONCValue.Member] = []
        try skipTrivia()
        while true {
            guard index < bytes.count else { throw error("unterminated object (missing '}')", at: start) }
            if bytes[index] == UInt8(ascii: "}") { advance(); break }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a quoted key or '}', found \(describeCurrent())")
            }
            let keyLocation = location
            let key = try parseString()
            if members.contains(where: { $0.key == key }) {
                throw error("duplicate key \"\(key)\"", at: keyLocation)
            }
            try skipTrivia()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after key \"\(key)\", found \(describeCurrent())")
            }
            advance()
            try skipTrivia()
            let value = try parseValue()
            members.append(.init(key: key, keyLocation: keyLocation, value: value))
            try skipTrivia()
            guard index < bytes.count else { throw error("unterminated object (missing '}')", at: start) }
            if bytes[index] == UInt8(ascii: ",") {
                advance()
                try skipTrivia()
            } else if bytes[index] != UInt8(ascii: "}") {
                throw error("expected ',' or '}' after the value of \"\(key)\", found \(describeCurrent())")
            }
        }
        return JSONCValue(kind: .object(members), location: start)
    }
}
