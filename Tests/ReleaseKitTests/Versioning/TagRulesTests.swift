import Testing

@testable import ReleaseKit

@Suite("TagRules")
struct TagRulesTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let version: String
        let released: [String]
        let prefix: String
        let floating: Bool
        let expected: [String]
        var testDescription: String { "\(version) among [\(released.joined(separator: ","))] prefix '\(prefix)' floating \(floating)" }
    }

    static let repo = ["1.0.0", "1.1.0-rc.1", "1.1.0", "1.0.1"]

    static let cases: [Case] = [
        // The e2e repository: v1.0.0, v1.1.0-rc.1, v1.1.0, v1.0.1 (backport).
        Case(version: "1.1.0", released: repo, prefix: "v", floating: false, expected: ["v1.1.0", "latest"]),
        Case(version: "1.1.0-rc.1", released: repo, prefix: "v", floating: false, expected: ["v1.1.0-rc.1"]),
        Case(version: "1.0.1", released: repo, prefix: "v", floating: false, expected: ["v1.0.1"]),
        Case(version: "1.0.0", released: repo, prefix: "v", floating: false, expected: ["v1.0.0"]),
        // Backport on an older line never moves latest.
        Case(version: "1.4.9", released: ["1.4.8", "2.0.0"], prefix: "v", floating: false, expected: ["v1.4.9"]),
        // First release ever, and the version not yet among the tags.
        Case(version: "0.1.0", released: [], prefix: "v", floating: false, expected: ["v0.1.0", "latest"]),
        Case(version: "2.1.0", released: ["2.0.0"], prefix: "v", floating: false, expected: ["v2.1.0", "latest"]),
        // A prerelease above every release still is not latest.
        Case(version: "3.0.0-beta.1", released: ["2.0.0"], prefix: "v", floating: true, expected: ["v3.0.0-beta.1"]),
        // A release is latest even when a higher prerelease exists.
        Case(version: "2.0.1", released: ["2.0.0", "3.0.0-rc.1"], prefix: "v", floating: false, expected: ["v2.0.1", "latest"]),
        // Floating tags.
        Case(version: "1.1.0", released: repo, prefix: "v", floating: true, expected: ["v1.1.0", "v1.1", "v1", "latest"]),
        Case(version: "1.0.1", released: repo, prefix: "v", floating: true, expected: ["v1.0.1", "v1.0"]),
        Case(version: "1.0.0", released: repo, prefix: "v", floating: true, expected: ["v1.0.0"]),
        Case(version: "1.4.9", released: ["1.4.8", "2.0.0"], prefix: "v", floating: true, expected: ["v1.4.9", "v1.4", "v1"]),
        Case(version: "1.4.9", released: ["1.4.10", "2.0.0"], prefix: "v", floating: true, expected: ["v1.4.9"]),
        // No floating v0 (metadata-action#70).
        Case(version: "0.3.1", released: ["0.3.0"], prefix: "v", floating: true, expected: ["v0.3.1", "v0.3", "latest"]),
        // Prefix.
        Case(version: "1.2.3", released: [], prefix: "", floating: true, expected: ["1.2.3", "1.2", "1", "latest"]),
        Case(version: "1.2.3", released: [], prefix: "release-", floating: false, expected: ["release-1.2.3", "latest"]),
        // Build metadata: '+' is not allowed in tags.
        Case(version: "1.2.3+build.7", released: ["1.2.2"], prefix: "v", floating: false, expected: ["v1.2.3_build.7", "latest"]),
        // Re-publishing an old release after newer ones exist.
        Case(version: "1.0.0", released: ["1.0.0", "1.0.1"], prefix: "v", floating: false, expected: ["v1.0.0"]),
        // Snapshot versions are prereleases: only their own tag.
        Case(version: "0.0.0-snapshot-abc1234", released: repo, prefix: "v", floating: true, expected: ["v0.0.0-snapshot-abc1234"]),
    ]

    @Test("tags per version", arguments: cases)
    func tags(_ testCase: Case) throws {
        let rules = TagRules(prefix: testCase.prefix, floatingMinorMajor: testCase.floating)
        let version = try SemanticVersion(parsing: testCase.version)
        let released = try testCase.released.map { try SemanticVersion(parsing: $0) }
        #expect(rules.tags(for: version, released: released) == testCase.expected)
    }

    @Test("at most one version of a repository gets latest")
    func oneLatest() throws {
        let released = try Self.repo.map { try SemanticVersion(parsing: $0) }
        let withLatest = released.filter { TagRules().tags(for: $0, released: released).contains("latest") }
        #expect(withLatest == [try SemanticVersion(parsing: "1.1.0")])
    }
}
