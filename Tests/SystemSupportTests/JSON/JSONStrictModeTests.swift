import Foundation
import SystemSupport
import Testing

/// The parser's strict mode (RFC 8259, for OSV advisories): what JSONC allows beyond JSON is
/// refused with its position, everything else reads as in JSONC mode.
@Suite("JSON parser, strict mode")
struct JSONStrictModeTests {
    func strictError(_ text: String) -> JSONCSyntaxError? {
        do {
            _ = try JSONCParser.parse(Data(text.utf8), file: "record.json", mode: .strict)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "comments are refused at their position",
        arguments: [
            ("{\"a\": 1 // note\n}", 1, 9), ("/* head */ {}", 1, 1), ("[1,\n  /* x */ 2]", 2, 3), ("{\"a\": 1}\n// tail", 2, 1),
            ("{\"a\": /**/ 1}", 1, 7),
        ])
    func commentsRefused(text: String, line: Int, column: Int) throws {
        let error = try #require(strictError(text))
        #expect(error.location == SourceLocation(line: line, column: column), "\(error)")
        #expect(error.message.contains("comments are not allowed in strict JSON"), "\(error.message)")
        #expect(error.description.hasPrefix("record.json:\(line):\(column): "))
        // The same text is fine JSONC.
        #expect(throws: Never.self) { try JSONCParser.parse(text) }
    }

    @Test(
        "trailing commas are refused at the comma",
        arguments: [
            ("[1, 2,]", 1, 6, "]"), ("{\"a\": 1,}", 1, 8, "}"), ("{\n  \"a\": [\n    \"x\",\n  ],\n}", 3, 8, "]"), ("[[],\n]", 1, 4, "]"),
            // Columns count characters: "é" is two bytes, one column.
            ("[\"é\",]", 1, 5, "]"), ("{\"ü\": \"ö\",\n \"é\": [\"x\", \"ä\" ,]}", 2, 17, "]"),
        ])
    func trailingCommasRefused(text: String, line: Int, column: Int, closing: String) throws {
        let error = try #require(strictError(text))
        #expect(error.location == SourceLocation(line: line, column: column), "\(error)")
        #expect(error.message.contains("trailing comma before '\(closing)'"), "\(error.message)")
        #expect(throws: Never.self) { try JSONCParser.parse(text) }
    }

    @Test func commasBetweenValuesAreFine() throws {
        let value = try JSONCParser.parse(Data(#"{"a": [1, 2, [3, 4]], "b": {"c": 1, "d": 2}}"#.utf8), mode: .strict)
        #expect(value["a"]?.arrayValue?.count == 3)
        #expect(value["b"]?.members?.map(\.key) == ["c", "d"])
    }

    @Test func nestingBudgetIsTheSameInBothModes() throws {
        let atLimit = String(repeating: "[", count: JSONCParser.maximumDepth) + "1" + String(repeating: "]", count: JSONCParser.maximumDepth)
        #expect(JSONCParser.maximumDepth == 256)
        #expect(throws: Never.self) { try JSONCParser.parse(Data(atLimit.utf8), mode: .strict) }
        let over = "\n" + String(repeating: "{\"k\": [", count: 200)
        let error = try #require(strictError(over))
        // The 257th container: the '{' of the 129th repetition (7 characters each).
        #expect(error.location == SourceLocation(line: 2, column: 128 * 7 + 1), "\(error)")
        #expect(error.message.contains("nested more than 256 levels"), "\(error.message)")
    }

    /// As ImageInventory's strict parser did (a dictionary): the last value of a key wins.
    /// JSONC mode keeps refusing duplicates (JSONCParserTests).
    @Test func duplicateKeysLastOneWins() throws {
        let value = try JSONCParser.parse(Data("{\"a\": 1, \"b\": true,\n \"a\": \"two\"}".utf8), mode: .strict)
        let members = try #require(value.members)
        #expect(members.map(\.key) == ["a", "b"])
        #expect(value["a"]?.stringValue == "two")
        #expect(value["a"]?.location == SourceLocation(line: 2, column: 7))
        #expect(throws: JSONCSyntaxError.self) { try JSONCParser.parse("{\"a\": 1, \"a\": 2}") }
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let value = try JSONCParser.parse(Data(bom + Array(#"{"a": 1}"#.utf8)), mode: .strict)
        #expect(value["a"]?.location == SourceLocation(line: 1, column: 7))
        let error = try #require(strictError("\u{FEFF}{\"a\": x}"))
        #expect(error.location == SourceLocation(line: 1, column: 7), "columns count from after the mark")
        #expect(throws: JSONCSyntaxError.self) { try JSONCParser.parse(Data(bom + Array("{}".utf8))) }
    }

    @Test func invalidUTF8InStringsIsReplaced() throws {
        let bytes: [UInt8] = Array(#"{"a": ""#.utf8) + [0xFF, 0x41] + Array(#""}"#.utf8)
        let value = try JSONCParser.parse(Data(bytes), mode: .strict)
        #expect(value["a"]?.stringValue == "\u{FFFD}A")
    }

    @Test func lookupHelpers() throws {
        let value = try JSONCParser.parse(Data(#"{"s": "x", "n": null, "o": {"k": 1}}"#.utf8), mode: .strict)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.isNull == true)
        #expect(value["s"]?.isNull == false)
        #expect(value["missing"] == nil)
        #expect(value["o"]?["k"]?.numberValue == 1)
        #expect(value["s"]?["k"] == nil, "a string has no members")
    }

    /// Every JSONC syntax error that is not about comments, duplicates or a byte-order mark
    /// is the same error at the same position in strict mode.
    @Test(
        "JSONC's other syntax errors are the same in strict mode",
        arguments: JSONCParserTests.bad.filter {
            !$0.mentions.contains("comment") && !$0.mentions.contains("duplicate") && !$0.mentions.contains("U+FEFF")
        })
    func sameErrors(_ case_: JSONCParserTests.Bad) throws {
        let error = try #require(strictError(case_.text))
        #expect(error.location == SourceLocation(line: case_.line, column: case_.column), "\(error)")
        #expect(error.message.contains(case_.mentions), "\(error.message)")
    }
}
