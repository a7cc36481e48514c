import Foundation
import OCIDistribution
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OublietteCore
import OublietteServer
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `oubliette serve --transport http` as a real process, driven with plain JSON-RPC POSTs:
/// the token guard, an MCP handshake and tool listing, and a clean stop on SIGTERM.
@Suite("MCP server over HTTP", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized)
struct HTTPTransportTests {
    let bed = TestBed.required

    struct Served {
        let process: ServerProcess
        let endpoint: URL
        let token: String
    }

    func environment(home: URL) throws -> (environment: [String: String], data: URL) {
        let config = home.appendingPathComponent("oubliette.jsonc")
        try "{ \"containers\": { \"custom\": \"\(bed.busyboxImage)\" }, \"update_check\": \"never\" }"
            .write(to: config, atomically: true, encoding: .utf8)
        let data = home.appendingPathComponent("data")
        return ([
            "HOME": home.path, "OUBLIETTE_CONFIG": config.path, "OUBLIETTE_DATA_DIR": data.path,
            "DOCKER_HOST": bed.dockerHost, "OUBLIETTE_DEV": "", "OUBLIETTE_CONTAINER_NETWORK": "none",
        ], data)
    }

    func spawn(home: URL, arguments: [String], environment: [String: String]) throws -> ServerProcess {
        let binary = TestImages.oublietteBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        return try ServerProcess(binary: binary.path, arguments: arguments, environment: environment,
                                 stderrFile: home.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log"))
    }

    /// Starts the server on port 0 and reads the bound address from its stderr line.
    func serve() async throws -> Served {
        let home = try bed.makeTemporaryDirectory("mcp-http")
        let (environment, data) = try environment(home: home)
        let token = try ServerToken.ensure(dataDirectory: data).token
        let process = try spawn(home: home, arguments: ["serve", "--transport", "http", "--listen", "127.0.0.1:0"],
                                environment: environment)
        let prefix = "serving MCP at "
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let line = process.stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
               let url = URL(string: String(line.dropFirst(prefix.count))) {
                return Served(process: process, endpoint: url, token: token)
            }
            if let status = await process.waitForExit(seconds: 0.1) {
                Issue.record("serve exited with \(status) before listening: \(process.stderr)")
                throw CancellationError()
            }
        }
        process.signal(SIGKILL)
        _ = await process.waitForExit(seconds: 5)
        Issue.record("serve did not report a listening address: \(process.stderr)")
        throw CancellationError()
    }

    func post(_ served: Served, _ body: String, authorization: String?) async throws -> (status: Int, body: [String: Any]?) {
        var request = URLRequest(url: served.endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = try #require(response as? HTTPURLResponse).statusCode
        let object = data.isEmpty ? nil : try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (status, object)
    }

    @Test func tokenGuardsTheToolsAndSigtermStopsCleanly() async throws {
        let served = try await serve()
        var stopped = false
        defer {
            if !stopped {
                served.process.signal(SIGKILL)
            }
        }
        let initialize = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26",\
            "capabilities":{},"clientInfo":{"name":"oubliette-tests","version":"1"}}}
            """

        let missing = try await post(served, initialize, authorization: nil)
        #expect(missing.status == 401)
        let missingError = try #require(missing.body?["error"] as? [String: Any], "401 without a JSON error body")
        #expect((missingError["message"] as? String)?.contains("Unauthorized") == true)

        let wrong = try await post(served, initialize, authorization: "Bearer \(String(served.token.reversed()))")
        #expect(wrong.status == 401)
        #expect(wrong.body?["error"] != nil)
        let truncated = try await post(served, initialize, authorization: "Bearer \(served.token.dropLast())")
        #expect(truncated.status == 401)
        let basic = try await post(served, initialize, authorization: "Basic \(served.token)")
        #expect(basic.status == 401)

        let bearer = "Bearer \(served.token)"
        let initialized = try await post(served, initialize, authorization: bearer)
        #expect(initialized.status == 200)
        let result = try #require(initialized.body?["result"] as? [String: Any], "initialize: \(String(describing: initialized.body))")
        #expect((result["serverInfo"] as? [String: Any])?["name"] as? String == OublietteMCPServer.name)

        let notified = try await post(served, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, authorization: bearer)
        #expect(notified.status == 202)

        let listed = try await post(served, #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, authorization: bearer)
        #expect(listed.status == 200)
        let tools = try #require((listed.body?["result"] as? [String: Any])?["tools"] as? [[String: Any]],
                                 "tools/list: \(String(describing: listed.body))")
        let names = Set(tools.compactMap { $0["name"] as? String })
        #expect(tools.count == 9)
        #expect(names == Set(OublietteMCPServer.tools.map(\.name)))
        #expect(names.contains("project_create") && names.contains("session_start"))

        served.process.signal(SIGTERM)
        let status = await served.process.waitForExit(seconds: 15)
        stopped = status != nil
        #expect(status == 0, "serve: \(served.process.stderr)")
        #expect(!served.process.stderr.contains(served.token), "the token must never be logged")
    }

    @Test func refusesANonLoopbackAddressWithoutAllowRemote() async throws {
        let home = try bed.makeTemporaryDirectory("mcp-http-remote")
        let (environment, data) = try environment(home: home)
        _ = try ServerToken.ensure(dataDirectory: data)
        let process = try spawn(home: home, arguments: ["serve", "--transport", "http", "--listen", "0.0.0.0:0"],
                                environment: environment)
        let status = await process.waitForExit(seconds: 15)
        if status == nil { process.signal(SIGKILL) }
        #expect(status != nil && status != 0)
        #expect(process.stderr.contains("--allow-remote"))
    }
}
