import OublietteCore
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
        var testDescription: String { text }
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
        .init(text: "{\"a\": \"\\q\"}", line: 1, column: 10, mentions: "invalid escape"),
        .init(text: "{\"a\": 1.2.3}", line: 1, column: 7, mentions: "invalid number"),
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

    @Test func suggestsNearestKey() {
        #expect(KeySuggestion.nearest(to: "containres", among: ["containers", "runtime"]) == "containers")
        #expect(KeySuggestion.nearest(to: "imagesource", among: ["image_source", "update_check"]) == "image_source")
        #expect(KeySuggestion.nearest(to: "zzzzzz", among: ["containers", "runtime"]) == nil)
    }
}
