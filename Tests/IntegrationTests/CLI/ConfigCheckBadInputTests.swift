import Foundation
import Testing

/// `oubliette config check` on hostile files: the built binary must exit 1 with a located
/// error. Before the parser fixes these died of SIGILL (an unpaired surrogate escape) and
/// SIGSEGV (stack overflow on deep nesting). Needs no servers.
@Suite("oubliette config check on bad input (built binary)")
struct ConfigCheckBadInputTests {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oubliette")

    func check(config: String) async throws -> ToolResult {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("config-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let file = home.appendingPathComponent("oubliette.jsonc")
        try config.write(to: file, atomically: true, encoding: .utf8)
        return try await ToolRunner.run(
            binary.path, ["config", "check"],
            environment: [
                "HOME": home.path, "OUBLIETTE_CONFIG": file.path, "OUBLIETTE_DEV": "", "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "",
            ], check: false, timeout: 60)
    }

    @Test func pairedHighSurrogatesAreALocatedError() async throws {
        let result = try await check(config: #"{ "update_check": "\uD800\uD800" }"#)
        #expect(result.status == 1, "status \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.contains("oubliette.jsonc:1:20: high surrogate \\uD800 is followed by \\uD800"), "\(result.stderr)")
    }

    @Test func highSurrogateBeforeAnotherEscapeIsALocatedError() async throws {
        let result = try await check(config: "{\n  \"update_check\": \"x\\uDBFF\\u0041\"\n}\n")
        #expect(result.status == 1, "status \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.contains("oubliette.jsonc:2:21: high surrogate \\uDBFF is followed by \\u0041"), "\(result.stderr)")
    }

    @Test func fiveThousandOpenBracketsAreALocatedError() async throws {
        let result = try await check(config: String(repeating: "[", count: 5000))
        #expect(result.status == 1, "status \(result.status), stderr: \(result.stderr)")
        #expect(
            result.stderr.contains("oubliette.jsonc:1:257: arrays and objects are nested more than 256 levels deep"),
            "\(result.stderr)")
    }

    /// The deepest accepted document parses in the CLI's own (async) context without
    /// running out of stack; it then fails validation as an unknown key, as it should.
    @Test func nestingAtTheLimitParses() async throws {
        let arrays = String(repeating: "[", count: 255) + String(repeating: "]", count: 255)
        let result = try await check(config: "{ \"deep\": \(arrays) }")
        #expect(result.status == 1, "status \(result.status), stderr: \(result.stderr)")
        #expect(result.stderr.contains("oubliette.jsonc:1:3: unknown key \"deep\""), "\(result.stderr)")
    }
}
