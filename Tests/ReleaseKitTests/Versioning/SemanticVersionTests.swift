import Testing

@testable import ReleaseKit

@Suite("SemanticVersion")
struct SemanticVersionTests {
    @Test(
        "parses valid versions",
        arguments: [
            ("1.2.3", 1, 2, 3, [], []),
            ("0.0.0", 0, 0, 0, [], []),
            ("10.20.30", 10, 20, 30, [], []),
            ("1.1.0-rc.1", 1, 1, 0, ["rc", "1"], []),
            ("1.0.0-alpha-a.b-c", 1, 0, 0, ["alpha-a", "b-c"], []),
            ("1.0.0+build.42", 1, 0, 0, [], ["build", "42"]),
            ("1.0.0-beta+exp.sha.5114f85", 1, 0, 0, ["beta"], ["exp", "sha", "5114f85"]),
            ("1.0.0+001", 1, 0, 0, [], ["001"]),
            // Beyond UInt64: semver sets no bound, so these are kept exactly.
            ("99999999999999999999.0.0", SemanticVersion.Number("99999999999999999999")!, 0, 0, [], []),
            (
                "1.18446744073709551616.123456789012345678901234567890", 1, SemanticVersion.Number("18446744073709551616")!,
                SemanticVersion.Number("123456789012345678901234567890")!, [], []
            ),
        ] as [(String, SemanticVersion.Number, SemanticVersion.Number, SemanticVersion.Number, [String], [String])])
    func parses(
        text: String, major: SemanticVersion.Number, minor: SemanticVersion.Number, patch: SemanticVersion.Number,
        pre: [String], build: [String]
    ) throws {
        let version = try SemanticVersion(parsing: text)
        #expect(version.major == major && version.minor == minor && version.patch == patch)
        #expect(version.prerelease == pre)
        #expect(version.buildMetadata == build)
        #expect(version.description == text)
    }

    @Test(
        "rejects invalid versions",
        arguments: [
            "", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "v1.2.3", "1.2.3-", "1.2.3+", "1.2.3-rc..1",
            "1.2.3-01", "1.2.3-rc_1", "-1.2.3", "1.2.x", "not-a-version", "1.2.3 ", "１.2.3", "1.2.٣", "1.2.3-０", "+1.2.3", "1.+2.3",
            "00000000000000000000001.0.0",
        ])
    func rejects(text: String) {
        #expect(SemanticVersion(text) == nil)
        #expect(throws: SemanticVersionError.self) { try SemanticVersion(parsing: text) }
    }

    @Test("error names the text and the reason")
    func errorText() {
        do {
            _ = try SemanticVersion(parsing: "1.02.3")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("'1.02.3'"))
            #expect(error.description.contains("leading zero"))
        }
    }

    /// The precedence example from semver.org §11, plus numeric-vs-lexical traps.
    @Test("precedence follows semver 2.0 §11")
    func precedence() throws {
        let ascending = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
            "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0-rc.1", "2.0.0", "10.0.0",
        ].map { SemanticVersion($0)! }
        for (lower, higher) in zip(ascending, ascending.dropFirst()) {
            #expect(lower < higher, "\(lower) < \(higher)")
            #expect(!(higher < lower), "not \(higher) < \(lower)")
        }
        #expect(ascending.shuffled().sorted() == ascending)
    }

    @Test("numeric identifiers of any size order numerically")
    func largeNumbers() throws {
        let ascending = [
            "1.0.0-9", "1.0.0-10", "1.0.0-18446744073709551615", "1.0.0-18446744073709551616",
            "1.0.0-99999999999999999999", "1.0.0-100000000000000000000", "1.0.0-100000000000000000000.1", "1.0.0-a",
            "1.0.0", "18446744073709551615.0.0", "18446744073709551616.0.0", "99999999999999999999.0.0",
            "99999999999999999999.0.1", "99999999999999999999.1.0", "100000000000000000000.0.0",
        ].map { SemanticVersion($0)! }
        for (lower, higher) in zip(ascending, ascending.dropFirst()) {
            #expect(lower < higher, "\(lower) < \(higher)")
            #expect(!(higher < lower), "not \(higher) < \(lower)")
        }
        #expect(ascending.shuffled().sorted() == ascending)
        let big = try SemanticVersion(parsing: "100000000000000000000.2.3")
        #expect(big.description == "100000000000000000000.2.3")
        #expect(big.major.uint64Value == nil && big.minor.uint64Value == 2)
        #expect(try SemanticVersion(parsing: "99999999999999999999.0.0") == SemanticVersion(parsing: "99999999999999999999.0.0+x"))
    }

    @Test func numberIgnoresLeadingZerosAndRefusesSigns() {
        #expect(SemanticVersion.Number("007") == SemanticVersion.Number("7"))
        #expect(SemanticVersion.Number("000")?.description == "0")
        #expect(SemanticVersion.Number("+7") == nil)
        #expect(SemanticVersion.Number("") == nil)
        #expect(SemanticVersion.Number("１") == nil)
        #expect(SemanticVersion.Number(UInt64.max).description == "18446744073709551615")
    }

    @Test("build metadata is ignored for precedence")
    func buildMetadata() {
        let a = SemanticVersion("1.0.0+a")!
        let b = SemanticVersion("1.0.0+b")!
        #expect(a == b)
        #expect(!(a < b) && !(b < a))
        #expect(SemanticVersion("1.0.0-rc.1+x")! < SemanticVersion("1.0.0")!)
    }
}
