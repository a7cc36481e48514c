import SystemSupport
import Testing

@Suite("JSONC parser")
struct JSONCParserTests {
    @Test func acceptsCommentsAndTrailingCommas() throws {
        let text = """
            // leading comment
            {
              /* block
                 comment */
              "a": [1, 2, 3,], // trailing comma in array
              "b": { "c": "d", }, /* trailing comma in object */
              "url": "http://x//y", // '//' inside a string is not a comment
              "e": true, "f": null, "g": -1.5e2,
            }
            """
        let value = try JSONCParser.parse(text)
        let members = try #require(value.members)
        #expect(members.map(\.key) == ["a", "b", "url", "e", "f", "g"])
        #expect(members[0].value.arrayValue?.compactMap(\.numberValue) == [1, 2, 3])
        #expect(members[1].value.members?.first?.value.stringValue == "d")
        #expect(members[2].value.stringValue == "http://x//y")
        #expect(members[3].value.boolValue == true)
        #expect(members[4].value.kind == .null)
        #expect(members[5].value.numberValue == -150)
    }

    @Test func recordsKeyLocations() throws {
        let value = try JSONCParser.parse("{\n  // c\n  \"key\": 1\n}")
        let member = try #require(value.members?.first)
        #expect(member.keyLocation == SourceLocation(line: 3, column: 3))
        #expect(member.value.location == SourceLocation(line: 3, column: 10))
    }

    @Test func decodesEscapes() throws {
        let value = try JSONCParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#)
        #expect(value.stringValue == "a\"b\\c/d\né😀")
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let text: String
        let line: Int
        let column: Int
        let mentions: String
        // Long generated inputs (deep nesting) would flood the test log.
        var testDescription: String { text.count > 60 ? "\(text.prefix(60))… (\(text.count) characters)" : text }
    }

    static let bad: [Bad] = [
        .init(text: "{\n  \"a\": 1\n  \"b\": 2\n}", line: 3, column: 3, mentions: "expected ',' or '}'"),
        .init(text: "{\n  a: 1\n}", line: 2, column: 3, mentions: "expected a quoted key"),
        .init(text: "{\"a\": tru}", line: 1, column: 7, mentions: "did you mean true"),
        .init(text: "{\"a\": 1", line: 1, column: 1, mentions: "unterminated object"),
        .init(text: "[1, 2", line: 1, column: 1, mentions: "unterminated array"),
        .init(text: "{\"a\": \"x}", line: 1, column: 7, mentions: "unterminated string"),
        .init(text: "/* never closed\n{}", line: 1, column: 1, mentions: "unterminated /* comment"),
        .init(text: "{\"a\": 1, \"a\": 2}", line: 1, column: 10, mentions: "duplicate key \"a\""),
        .init(text: "{} {}", line: 1, column: 4, mentions: "after the end of the document"),
        .init(text: "", line: 1, column: 1, mentions: "found end of file"),
        .init(text: "{\"a\": 'single'}", line: 1, column: 7, mentions: "expected a value"),
        .init(text: "{\"a\": \"\\q\"}", line: 1, column: 8, mentions: "invalid escape '\\q'"),
        .init(text: "{\"a\": 1.2.3}", line: 1, column: 7, mentions: "invalid number"),
        // Surrogates: only a high one followed by a low one is a character.
        .init(text: #""\uD800\uD800""#, line: 1, column: 2, mentions: "followed by \\uD800, not a \\uDC00-\\uDFFF low surrogate"),
        .init(text: #""\uD800\u0041""#, line: 1, column: 2, mentions: "followed by \\u0041"),
        .init(text: #""\udbff\udbff""#, line: 1, column: 2, mentions: "high surrogate \\uDBFF"),
        .init(text: #"["ok", "x\uD83Dy"]"#, line: 1, column: 10, mentions: "must be followed by a \\uDC00-\\uDFFF low surrogate"),
        .init(text: #""\uD800""#, line: 1, column: 2, mentions: "must be followed by"),
        .init(text: #""\uD800\n""#, line: 1, column: 2, mentions: "must be followed by"),
        .init(text: #""\uD800\u12""#, line: 1, column: 8, mentions: "four hex digits"),
        .init(text: #""\uDC00""#, line: 1, column: 2, mentions: "low surrogate \\uDC00 without a preceding high surrogate"),
        .init(text: #""\u+FFF""#, line: 1, column: 2, mentions: "four hex digits"),
        .init(text: #""\u-000""#, line: 1, column: 2, mentions: "four hex digits"),
        .init(text: #""\u12""#, line: 1, column: 2, mentions: "four hex digits"),
        // RFC 8259 numbers.
        .init(text: "01", line: 1, column: 1, mentions: "invalid number '01': leading zeros"),
        .init(text: "[1.]", line: 1, column: 2, mentions: "invalid number '1.'"),
        .init(text: "[.5]", line: 1, column: 2, mentions: "expected a value, found '.'"),
        .init(text: "{\"a\": -01}", line: 1, column: 7, mentions: "invalid number '-01': leading zeros"),
        .init(text: "2.e3", line: 1, column: 1, mentions: "invalid number '2.e3'"),
        .init(text: "-", line: 1, column: 1, mentions: "invalid number '-'"),
        .init(text: "[-]", line: 1, column: 2, mentions: "invalid number '-'"),
        .init(text: "1e", line: 1, column: 1, mentions: "an exponent needs digits"),
        .init(text: "1e+", line: 1, column: 1, mentions: "an exponent needs digits"),
        .init(text: "+1", line: 1, column: 1, mentions: "expected a value, found '+'"),
        .init(text: "1e400", line: 1, column: 1, mentions: "out of range"),
        .init(text: "0x10", line: 1, column: 1, mentions: "invalid number '0x10'"),
        .init(text: "-Infinity", line: 1, column: 1, mentions: "invalid number '-Infinity'"),
        .init(text: "00", line: 1, column: 1, mentions: "leading zeros"),
        // Raw control characters inside strings.
        .init(text: "{\"a\": \"x\ty\"}", line: 1, column: 9, mentions: "control character U+0009"),
        .init(text: "\"\u{01}\"", line: 1, column: 2, mentions: "control character U+0001"),
        .init(text: "\"\u{0}\"", line: 1, column: 2, mentions: "control character U+0000"),
        .init(text: "\"a\rb\"", line: 1, column: 3, mentions: "control character U+000D"),
        // Nesting limit (256 levels, the stricter of the JSONC and strict parsers' former limits).
        .init(text: String(repeating: "[", count: 5000), line: 1, column: 257, mentions: "nested more than 256 levels"),
        .init(text: String(repeating: "{\"a\":", count: 600), line: 1, column: 1281, mentions: "nested more than 256 levels"),
        .init(text: "\n  " + String(repeating: "[{\"k\":", count: 300), line: 2, column: 771, mentions: "nested more than 256 levels"),
        // Messages show what was found, invisible characters by code point.
        .init(text: "{\"a\": é}", line: 1, column: 7, mentions: "found 'é' (U+00E9)"),
        .init(text: "\u{FEFF}{}", line: 1, column: 1, mentions: "(U+FEFF)"),
        .init(text: "{\"ä\": \"ü\",\n \"ö\": 1,\n  \"b\": x}", line: 3, column: 8, mentions: "expected a value, found 'x'"),
    ]

    @Test("syntax errors name line and column", arguments: bad)
    func reportsPosition(_ case_: Bad) {
        do {
            _ = try JSONCParser.parse(case_.text, file: "test.jsonc")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.location == SourceLocation(line: case_.line, column: case_.column), "\(error)")
            #expect(error.description.hasPrefix("test.jsonc:\(case_.line):\(case_.column): "))
            #expect(error.message.contains(case_.mentions), "\(error.message)")
        }
    }

    @Test(
        "RFC 8259 numbers parse",
        arguments: [
            ("0", 0.0), ("-0", -0.0), ("1.5", 1.5), ("1e5", 1e5), ("1E-5", 1e-5), ("-1.25e+2", -125), ("10", 10),
            ("0.001", 0.001), ("123456789012", 123_456_789_012), ("1e-400", 0),
        ])
    func parsesNumbers(text: String, expected: Double) throws {
        #expect(try JSONCParser.parse("[\(text)]").arrayValue?.first?.numberValue == expected)
    }

    @Test func decodesEscapedControlCharactersAndSurrogatePairs() throws {
        let value = try JSONCParser.parse(#""\u0000\t\u001F\uD834\uDD1E\uDBFF\uDFFF""#)
        #expect(value.stringValue == "\u{0}\t\u{1F}\u{1D11E}\u{10FFFF}")
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        var value = try JSONCParser.parse(String(repeating: "[", count: 256) + String(repeating: "]", count: 256))
        var depth = 1
        while let inner = value.arrayValue?.first {
            value = inner
            depth += 1
        }
        #expect(depth == 256)
        // The limit counts open containers, not how many were seen: siblings do not add up.
        let siblings =
            "["
            + Array(repeating: String(repeating: "[", count: 200) + String(repeating: "]", count: 200), count: 3)
            .joined(separator: ",") + "]"
        #expect(try JSONCParser.parse(siblings).arrayValue?.count == 3)
    }

    @Test func columnsStayRightOnLongLines() throws {
        // Locations are computed incrementally; they must match a count from the line start.
        let prefix = (0..<200).map { "\"k\($0)é\": \"ü\($0)\"" }.joined(separator: ", ")
        let text = "{\n" + prefix + ", \"last\": [1, 2]}"
        let value = try JSONCParser.parse(text)
        let last = try #require(value.members?.last)
        let expectedColumn = (prefix + ", ").count + 1
        #expect(last.keyLocation == SourceLocation(line: 2, column: expectedColumn))
        #expect(last.value.arrayValue?[1].location == SourceLocation(line: 2, column: expectedColumn + "\"last\": [1, ".count))
    }

    /// Inputs with which scripts/fuzz crashed (SIGILL, arithmetic overflow) the parser before
    /// surrogates were checked; kept byte for byte, including the invalid UTF-8.
    @Test(
        "fuzzer-found crashes are syntax errors",
        arguments: [
            [
                0x22, 0x5C, 0x75, 0x64, 0x61, 0x61, 0x41, 0x5C, 0x75, 0x64, 0x61, 0x61, 0x41, 0x5C, 0x75, 0x2D, 0x30, 0x30, 0xA4, 0xA3,
                0xBF, 0x1F, 0x01, 0x85, 0x2D, 0x30, 0x30, 0xA4, 0xA3, 0xBF, 0x1F, 0x01, 0x85, 0x00, 0x3F,
            ],
            Array(#""\uDa22\ua22D""#.utf8),
        ] as [[UInt8]])
    func fuzzerCrashes(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(throws: JSONCSyntaxError.self) { try JSONCParser.parse(text) }
        do {
            _ = try JSONCParser.parse(text)
        } catch {
            #expect(error.location == SourceLocation(line: 1, column: 2))
            #expect(error.message.contains("not a \\uDC00-\\uDFFF low surrogate"), "\(error.message)")
        }
    }

    @Test func suggestsNearestKey() {
        #expect(KeySuggestion.nearest(to: "containres", among: ["containers", "runtime"]) == "containers")
        #expect(KeySuggestion.nearest(to: "imagesource", among: ["image_source", "update_check"]) == "image_source")
        #expect(KeySuggestion.nearest(to: "zzzzzz", among: ["containers", "runtime"]) == nil)
    }
}
