import Foundation
import Testing

/// Issue 22, "`oubliette serve` loses replies when stdin closes": every request read before
/// stdin's EOF is answered before exit, and a line that is not JSON is answered with JSON-RPC
/// 2.0's parse error and `"id": null` (section 5.1: "If there was an error in detecting the id
/// in the Request object (e.g. Parse error/Invalid Request), it MUST be Null"). Raw pipes
/// (what `printf … | oubliette serve` does), and the official Python MCP SDK as a client.
@Suite("serve on stdio answers everything read before EOF")
struct StdioDrainTests {
    static let initialize =
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}"#

    /// A home without config (the default catalogue) and an engine that is not there: the
    /// protocol answers must not depend on either.
    static func environment(_ home: URL) -> [String: String] {
        [
            "HOME": home.path, "OUBLIETTE_CONFIG": "", "OUBLIETTE_DATA_DIR": home.appendingPathComponent("data").path, "XDG_CONFIG_HOME": "",
            "XDG_DATA_HOME": "", "DOCKER_HOST": "unix://\(home.path)/no-docker.sock", "OUBLIETTE_DEV": "",
        ]
    }

    static func home() throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("serve-drain-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return home
    }

    static func serve(_ input: String, home: URL) async throws -> [[String: Any]] {
        let binary = TestImages.oublietteBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        let result = try await ToolRunner.run(binary.path, ["serve"], environment: environment(home), input: Data(input.utf8), check: false, timeout: 60)
        #expect(result.status == 0, "serve: \(result.stderr)")
        return try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON-RPC object: \($0)")
        }
    }

    @Test("three piped requests are all answered, 20 times out of 20")
    func threePipedRequests() async throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let input =
            [Self.initialize, #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, #"{"jsonrpc":"2.0","id":3,"method":"ping"}"#]
            .joined(separator: "\n") + "\n"
        var answered: [Int] = []
        for _ in 0..<20 {
            let replies = try await Self.serve(input, home: home)
            answered.append(replies.count)
            #expect(Set(replies.compactMap { $0["id"] as? Int }) == [1, 2, 3], "\(replies)")
            let tools = replies.first { $0["id"] as? Int == 2 }?["result"] as? [String: Any]
            #expect((tools?["tools"] as? [Any])?.isEmpty == false)
        }
        #expect(answered == Array(repeating: 3, count: 20))
    }

    @Test("a single tools/list without a trailing newline is answered")
    func singleRequestWithoutNewline() async throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let replies = try await Self.serve(#"{"jsonrpc":"2.0","id":"only","method":"tools/list"}"#, home: home)
        #expect(replies.count == 1 && replies.first?["id"] as? String == "only", "\(replies)")
    }

    @Test("parse errors and invalid requests carry id null; requests around them are answered")
    func parseErrorHasNullID() async throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let input = [Self.initialize, "{not json", "[]", "42", #"{"jsonrpc":"2.0","id":9,"method":"ping"}"#].joined(separator: "\n") + "\n"
        let replies = try await Self.serve(input, home: home)
        #expect(replies.count == 5, "\(replies)")
        let errors = replies.filter { $0["error"] != nil }
        let parse = try #require(errors.first { ($0["error"] as? [String: Any])?["code"] as? Int == -32700 })
        #expect(parse["id"] is NSNull, "JSON-RPC 2.0: the id of a parse error MUST be Null: \(parse)")
        #expect(errors.filter { ($0["error"] as? [String: Any])?["code"] as? Int == -32600 }.allSatisfy { $0["id"] is NSNull })
        #expect(errors.count == 3)
        #expect(replies.contains { $0["id"] as? Int == 9 && $0["result"] != nil })
    }

    @Test(
        "the official Python MCP SDK initializes, lists the tools and calls one",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func pythonSDK() async throws {
        let venv = try #require(InventoryTestSupport.venv)
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let script = InventoryTestSupport.repositoryRoot.appendingPathComponent("Tests/Support/mcp_client.py")
        let result = try await ToolRunner.run(
            "\(venv)/bin/python", [script.path, TestImages.oublietteBinary().path], environment: Self.environment(home), check: false, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(report["server"] as? String == "oubliette")
        let tools = try #require(report["tools"] as? [String])
        #expect(tools.contains("project_create") && tools.contains("session_start") && tools.contains("container_refresh"), "\(tools)")
        let call = try #require(report["call"] as? [String: Any])
        #expect(call["isError"] as? Bool == false && (call["text"] as? String)?.contains("\"types\"") == true, "\(call)")
    }
}
