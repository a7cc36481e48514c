import Foundation
import OCIDistribution
import Testing

/// `oubliette config show|check` run as a user runs them: the built binary, its exit status
/// and its output. Needs no servers.
@Suite("oubliette config (built binary)")
struct ConfigCommandTests {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oubliette")

    /// `config` at $OUBLIETTE_CONFIG, or (`named: false`) at the XDG default location.
    func run(_ arguments: [String], config: String?, named: Bool = true) async throws -> ToolResult {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("config-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let file = named ? home.appendingPathComponent("oubliette.jsonc") : home.appendingPathComponent(".config/oubliette/oubliette.jsonc")
        if let config {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try config.write(to: file, atomically: true, encoding: .utf8)
        }
        return try await ToolRunner.run(
            binary.path, arguments,
            environment: [
                "HOME": home.path, "OUBLIETTE_CONFIG": named ? file.path : "", "OUBLIETTE_DEV": "", "XDG_DATA_HOME": "",
                // Relative XDG paths are ignored (the XDG spec), so this one changes nothing.
                "XDG_CONFIG_HOME": named ? "" : "relative/config",
            ], check: false)
    }

    @Test func showJSONListsEveryTypeWithItsSource() async throws {
        let result = try await run(
            ["config", "show", "--json"],
            config: """
                { "containers": { "osint": "ghcr.io/example/osint:1" }, // custom type
                  "image_source": "prebuilt", }
                """)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let containers = try #require(json["containers"] as? [[String: String]])
        #expect(containers.map { $0["type"] } == ["base", "dev", "osint"])
        #expect(containers[0]["image"] == "ghcr.io/hyphagroup/oubliette-base:latest")
        #expect(containers[0]["source"] == "catalogue default")
        #expect(containers[2]["image"] == "ghcr.io/example/osint:1")
        #expect(containers[2]["source"]?.hasPrefix("user config ") == true)
        #expect(containers[2]["source"]?.hasSuffix("oubliette.jsonc:1") == true)
    }

    @Test func checkExitsOneWithTheLocatedError() async throws {
        let result = try await run(["config", "check"], config: "{\n  \"update_chek\": \"never\"\n}\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("oubliette.jsonc:2:3: unknown key \"update_chek\" in the top level; did you mean \"update_check\"?"))
        #expect(result.stdout.isEmpty)
    }

    @Test func checkAcceptsAValidFileAndAMissingOne() async throws {
        let valid = try await run(["config", "check"], config: "{ \"update_check\": \"never\" }")
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("OK, 2 container types"))
        let missing = try await run(["config", "check"], config: nil, named: false)
        #expect(missing.status == 0, "\(missing.stderr)")
        #expect(missing.stdout.contains("(absent: defaults)"))
        let relativeXDG = try await run(["config", "path"], config: nil, named: false)
        #expect(relativeXDG.trimmedStdout.hasSuffix("/.config/oubliette/oubliette.jsonc"), "a relative XDG_CONFIG_HOME is ignored: \(relativeXDG.stdout)")
        #expect(relativeXDG.trimmedStdout.hasPrefix("/"))
    }

    @Test func aFileNamedByOublietteConfigMustExist() async throws {
        let missing = try await run(["config", "check"], config: nil)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("error: OUBLIETTE_CONFIG names ") && missing.stderr.contains("which does not exist"), "\(missing.stderr)")
    }

    @Test func checkReportsEveryErrorNotOnlyTheFirst() async throws {
        let result = try await run(
            ["config", "check"],
            config: """
                {
                  "update_chek": "never",
                  "containers": { "a": "not a reference", "b": "ghcr.io/ok/b:1", "c": 3 },
                  "runtime": "podman",
                  "verify": { "mode": "enforce" },
                }
                """)
        #expect(result.status == 1)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 5, "\(result.stderr)")
        #expect(result.stderr.contains(":2:3: unknown key \"update_chek\""), "\(result.stderr)")
        #expect(result.stderr.contains(":3:24: containers.a"), "\(result.stderr)")
        #expect(result.stderr.contains("\"containers.c\" must be an image reference string"), "\(result.stderr)")
        #expect(result.stderr.contains("\"runtime\" is \"podman\""), "\(result.stderr)")
        #expect(result.stderr.contains("\"verify.keys\" is \"(none)\""), "enforce without keys: \(result.stderr)")
        #expect(result.stderr.contains("5 problems in "), "\(result.stderr)")
    }
}
