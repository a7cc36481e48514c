import Foundation
import OCIDistribution
import OublietteCore
import OublietteServer
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `oubliette serve --transport http` as a real process, driven with plain JSON-RPC POSTs:
/// the token guard, an MCP handshake and tool listing, and a clean stop on SIGTERM.
@Suite("MCP server over HTTP", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized, .timeLimit(.minutes(10)))
struct HTTPTransportTests {
    let bed = TestBed.required

    struct Served {
        let process: ServerProcess
        let endpoint: URL
        let token: String

        var host: String { endpoint.host ?? "127.0.0.1" }
        var port: Int { endpoint.port ?? 0 }

        /// Ends the server with SIGTERM and returns its exit status (nil: killed after 15 s).
        func stop() async -> Int32? {
            process.signal(SIGTERM)
            let status = await process.waitForExit(seconds: 15)
            if status == nil {
                process.signal(SIGKILL)
                _ = await process.waitForExit(seconds: 5)
            }
            process.closeStdin()
            process.retireStdout()
            return status
        }
    }

    func environment(home: URL) throws -> (environment: [String: String], data: URL) {
        let config = home.appendingPathComponent("oubliette.jsonc")
        try "{ \"containers\": { \"custom\": \"\(bed.busyboxImage)\" }, \"update_check\": \"never\" }"
            .write(to: config, atomically: true, encoding: .utf8)
        let data = home.appendingPathComponent("data")
        return (
            [
                "HOME": home.path, "OUBLIETTE_CONFIG": config.path, "OUBLIETTE_DATA_DIR": data.path,
                "DOCKER_HOST": bed.dockerHost, "OUBLIETTE_DEV": "", "OUBLIETTE_CONTAINER_NETWORK": "none",
            ], data
        )
    }

    func spawn(home: URL, arguments: [String], environment: [String: String]) throws -> ServerProcess {
        let binary = TestImages.oublietteBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        return try ServerProcess(
            binary: binary.path, arguments: arguments, environment: environment,
            stderrFile: home.appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).log"))
    }

    /// Starts the server (port 0 by default) and reads the bound address from its readiness
    /// line on stderr, which it prints only once SIGINT/SIGTERM are handled.
    func serve(listen: String = "127.0.0.1:0", extra: [String] = []) async throws -> Served {
        let home = try bed.makeTemporaryDirectory("mcp-http")
        let (environment, data) = try environment(home: home)
        let token = try ServerToken.ensure(dataDirectory: data).token
        let process = try spawn(
            home: home, arguments: ["serve", "--transport", "http", "--listen", listen] + extra,
            environment: environment)
        let prefix = "serving MCP at "
        if let line = await process.waitForStderrLine(prefix: prefix, seconds: 20),
            let url = URL(string: String(line.dropFirst(prefix.count)))
        {
            return Served(process: process, endpoint: url, token: token)
        }
        let status = await process.waitForExit(seconds: 0)
        if status == nil { process.signal(SIGKILL) }
        _ = await process.waitForExit(seconds: 5)
        process.closeStdin()
        process.retireStdout()
        Issue.record("serve did not report a listening address (exit status \(String(describing: status))): \(process.stderr)")
        throw CancellationError()
    }

    static let initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26",\
        "capabilities":{},"clientInfo":{"name":"oubliette-tests","version":"1"}}}
        """

    /// A raw request to the served endpoint with the JSON headers and, unless told
    /// otherwise, the right token and Host.
    func raw(
        _ served: Served, method: String = "POST", path: String = HTTPServerTransportHost.endpointPath,
        authorization: String?? = .none, host: String? = nil, origin: String? = nil,
        body: Data = Data(Self.initialize.utf8)
    ) async throws -> RawHTTP.Response {
        var headers: [(String, String)] = [
            ("Host", host ?? "\(served.host):\(served.port)"),
            ("Content-Type", "application/json"), ("Accept", "application/json"),
        ]
        switch authorization {
        case .none: headers.append(("Authorization", "Bearer \(served.token)"))
        case let .some(value?): headers.append(("Authorization", value))
        case .some(.none): break
        }
        if let origin { headers.append(("Origin", origin)) }
        return try await RawHTTP.send(host: served.host, port: served.port, method: method, path: path, headers: headers, body: body)
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

    @Test("the token is checked when the head arrives: 401 and a closed connection before any body is read")
    func unauthorisedHeadIsRefusedBeforeTheBody() async throws {
        let served = try await serve()
        defer { served.process.signal(SIGKILL) }
        let socket = try RawHTTP.connect(host: served.host, port: served.port, timeoutSeconds: 5)
        defer { close(socket) }
        // Declares the largest body allowed and sends none of it.
        try RawHTTP.write(
            "POST /mcp HTTP/1.1\r\nHost: \(served.host):\(served.port)\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer wrong\r\nContent-Length: \(HTTPServerTransportHost.maximumBodyBytes)\r\n\r\n",
            to: socket)
        let (data, closed, waited) = await RawHTTP.readUntilClosed(socket)
        #expect(try RawHTTP.status(of: data).status == 401)
        #expect(closed, "the connection is closed after the refusal")
        #expect(waited < .seconds(4))
    }

    @Test("connections are capped, and idle or slow ones are closed at the head and body deadlines")
    func connectionCapAndDeadlines() async throws {
        let served = try await serve(extra: ["--max-connections", "3", "--head-timeout", "1", "--body-timeout", "1"])
        defer { served.process.signal(SIGKILL) }
        // Three idle connections fill the cap; a fourth is closed at once, unanswered.
        let idle = try (0..<3).map { _ in try RawHTTP.connect(host: served.host, port: served.port, timeoutSeconds: 5) }
        defer { for socket in idle { close(socket) } }
        try await Task.sleep(for: .milliseconds(200))
        let extra = try RawHTTP.connect(host: served.host, port: served.port, timeoutSeconds: 5)
        defer { close(extra) }
        let refused = await RawHTTP.readUntilClosed(extra)
        #expect(refused.closed && refused.data.isEmpty)
        // The idle ones are closed at the head deadline (1 s), which frees the slots.
        var waited = Duration.zero
        for socket in idle {
            let read = await RawHTTP.readUntilClosed(socket)
            #expect(read.closed)
            waited += read.waited
        }
        #expect(waited < .seconds(4))
        // A body that stops half-way is cut off at the body deadline.
        let slow = try RawHTTP.connect(host: served.host, port: served.port, timeoutSeconds: 5)
        defer { close(slow) }
        try RawHTTP.write(
            "POST /mcp HTTP/1.1\r\nHost: \(served.host):\(served.port)\r\nContent-Type: application/json\r\n"
                + "Accept: application/json\r\nAuthorization: Bearer \(served.token)\r\nContent-Length: 100\r\n\r\n{",
            to: slow)
        #expect(await RawHTTP.readUntilClosed(slow).closed)
        // And an authorised client is served again.
        #expect(try await raw(served).status == 200)
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
        let tools = try #require(
            (listed.body?["result"] as? [String: Any])?["tools"] as? [[String: Any]],
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
        let process = try spawn(
            home: home, arguments: ["serve", "--transport", "http", "--listen", "0.0.0.0:0"],
            environment: environment)
        let status = await process.waitForExit(seconds: 15)
        if status == nil { process.signal(SIGKILL) }
        #expect(status != nil && status != 0)
        #expect(process.stderr.contains("--allow-remote"))
    }

    @Test func aPortInUseIsASentenceNamingThePortAndTheFix() async throws {
        let home = try bed.makeTemporaryDirectory("mcp-http-busy")
        let (environment, data) = try environment(home: home)
        _ = try ServerToken.ensure(dataDirectory: data)
        let taken = try UpdateDBDeadlineTests.LoopbackSocket(listening: true)
        let process = try spawn(
            home: home, arguments: ["serve", "--transport", "http", "--listen", "127.0.0.1:\(taken.port)"],
            environment: environment)
        let status = await process.waitForExit(seconds: 15)
        if status == nil { process.signal(SIGKILL) }
        #expect(status == 1, "\(process.stderr)")
        #expect(process.stderr.contains("port \(taken.port) is already in use"), "\(process.stderr)")
        #expect(process.stderr.contains("pick a free port with --listen"), "\(process.stderr)")
        for leaked in ["bind(descriptor", "errno", "IOError"] { #expect(!process.stderr.contains(leaked), "\(process.stderr)") }
    }

    /// Every answer docs/MCP_TOOLS.md promises, on the real binary.
    @Test func theDocumentedAnswers() async throws {
        let served = try await serve()
        var stopped = false
        defer { if !stopped { served.process.signal(SIGKILL) } }
        let port = served.port

        let unauthorized = try await raw(served, authorization: .some(nil))
        #expect(unauthorized.status == 401)
        #expect(unauthorized.headers["www-authenticate"] == "Bearer")
        #expect(unauthorized.errorMessage?.contains("Unauthorized") == true, "\(unauthorized.errorMessage ?? "no JSON-RPC error")")
        // The token is checked before anything else: no path or size leaks without it.
        #expect(try await raw(served, path: "/elsewhere", authorization: .some(nil)).status == 401)

        let notFound = try await raw(served, path: "/elsewhere")
        #expect(notFound.status == 404)
        #expect(notFound.errorMessage?.contains("MCP is served at /mcp") == true, "\(notFound.errorMessage ?? "no JSON-RPC error")")

        for method in ["GET", "DELETE"] {
            let notAllowed = try await raw(served, method: method, body: Data())
            #expect(notAllowed.status == 405, "\(method)")
            #expect(notAllowed.headers["allow"] == "POST", "\(method)")
        }

        let large = try await raw(served, body: Data(repeating: UInt8(ascii: " "), count: HTTPServerTransportHost.maximumBodyBytes + 1))
        #expect(large.status == 413)
        #expect(large.errorMessage?.contains("\(HTTPServerTransportHost.maximumBodyBytes) bytes") == true)
        // Exactly at the limit is not refused for its size (it is whitespace, so not JSON-RPC).
        let atLimit = try await raw(served, body: Data(repeating: UInt8(ascii: " "), count: HTTPServerTransportHost.maximumBodyBytes))
        #expect(atLimit.status != 413)

        let misdirected = try await raw(served, host: "rebind.example:\(port)")
        #expect(misdirected.status == 421)
        #expect(misdirected.errorMessage?.contains("Misdirected Request") == true)
        let foreignOrigin = try await raw(served, origin: "http://rebind.example:\(port)")
        #expect(foreignOrigin.status == 403)
        #expect(foreignOrigin.errorMessage?.contains("Origin") == true)
        #expect(try await raw(served, origin: "https://127.0.0.1:\(port)").status == 403, "only http:// loopback origins")
        #expect(try await raw(served, origin: "null").status == 403)

        // Loopback names are accepted however they are spelt.
        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)", "127.0.0.1"] {
            let answer = try await raw(served, host: host)
            #expect(answer.status == 200, "Host \(host): \(answer.status) \(answer.errorMessage ?? "")")
        }
        let sameOrigin = try await raw(served, origin: "http://localhost:\(port)")
        #expect(sameOrigin.status == 200, "\(sameOrigin.errorMessage ?? "")")

        let status = await served.stop()
        stopped = true
        #expect(status == 0, "serve: \(served.process.stderr)")
        #expect(!served.process.stderr.contains(served.token), "the token must never be logged")
    }

    /// `--listen 127.0.0.2:PORT` is accepted as loopback, so requests addressed to it are
    /// answered (they used to get 421: the Host check knew only 127.0.0.1).
    @Test func servesOnAnyLoopbackAddress() async throws {
        let served = try await serve(listen: "127.0.0.2:0")
        var stopped = false
        defer { if !stopped { served.process.signal(SIGKILL) } }
        #expect(served.host == "127.0.0.2")
        let direct = try await raw(served)
        #expect(direct.status == 200, "Host 127.0.0.2: \(direct.status) \(direct.errorMessage ?? "")")
        let viaURLSession = try await post(served, Self.initialize, authorization: "Bearer \(served.token)")
        #expect(viaURLSession.status == 200)
        #expect(try await raw(served, origin: "http://127.0.0.2:\(served.port)").status == 200)
        #expect(try await raw(served, host: "rebind.example:\(served.port)").status == 421)
        let status = await served.stop()
        stopped = true
        #expect(status == 0, "serve: \(served.process.stderr)")
    }

    @Test func refusesToStartWithoutAToken() async throws {
        let home = try bed.makeTemporaryDirectory("mcp-http-notoken")
        let (environment, data) = try environment(home: home)
        let process = try spawn(
            home: home, arguments: ["serve", "--transport", "http", "--listen", "127.0.0.1:0"],
            environment: environment)
        let status = await process.waitForExit(seconds: 15)
        if status == nil { process.signal(SIGKILL) }
        process.closeStdin()
        process.retireStdout()
        #expect(status == 1)
        let file = ServerToken.file(in: data).path
        #expect(process.stderr.contains("no server token at \(file)"), "\(process.stderr)")
        #expect(process.stderr.contains("oubliette init"))
        #expect(!process.stderr.contains("serving MCP at"))
    }

    /// A token others can read is refused, naming the file and the exact fix.
    @Test func refusesATokenReadableByOthers() async throws {
        let home = try bed.makeTemporaryDirectory("mcp-http-open-token")
        let (environment, data) = try environment(home: home)
        _ = try ServerToken.ensure(dataDirectory: data)
        let file = ServerToken.file(in: data).path
        for mode in [0o644, 0o640, 0o602] {
            #expect(chmod(file, mode_t(mode)) == 0)
            let process = try spawn(
                home: home, arguments: ["serve", "--transport", "http", "--listen", "127.0.0.1:0"],
                environment: environment)
            let status = await process.waitForExit(seconds: 15)
            if status == nil { process.signal(SIGKILL) }
            process.closeStdin()
            process.retireStdout()
            #expect(status == 1, "mode \(String(mode, radix: 8))")
            #expect(process.stderr.contains("chmod 600 \(file)"), "mode \(String(mode, radix: 8)): \(process.stderr)")
            #expect(process.stderr.contains("mode \(String(mode, radix: 8))"))
            #expect(!process.stderr.contains("serving MCP at"))
        }
        #expect(chmod(file, 0o600) == 0)
        let served = try await serveExisting(home: home, environment: environment, data: data)
        let status = await served.stop()
        #expect(status == 0, "a 0600 token is accepted: \(served.process.stderr)")
    }

    private func serveExisting(home: URL, environment: [String: String], data: URL) async throws -> Served {
        let process = try spawn(
            home: home, arguments: ["serve", "--transport", "http", "--listen", "127.0.0.1:0"],
            environment: environment)
        let prefix = "serving MCP at "
        guard let line = await process.waitForStderrLine(prefix: prefix, seconds: 20),
            let url = URL(string: String(line.dropFirst(prefix.count))),
            let token = ServerToken.read(dataDirectory: data)
        else {
            process.signal(SIGKILL)
            _ = await process.waitForExit(seconds: 5)
            process.closeStdin()
            process.retireStdout()
            Issue.record("serve did not become ready: \(process.stderr)")
            throw CancellationError()
        }
        return Served(process: process, endpoint: url, token: token)
    }

    /// Under `umask 000` the data directory is still 0700 and the token 0600: both are
    /// created with those modes, not loosened first and tightened later.
    @Test func initCreatesPrivateFilesUnderAPermissiveUmask() async throws {
        let home = try bed.makeTemporaryDirectory("mcp-umask")
        let (environment, data) = try environment(home: home)
        let binary = TestImages.oublietteBinary()
        let process = try ServerProcess(
            binary: "/bin/sh", arguments: ["-c", "umask 000; exec \"$0\" init --no-pull", binary.path],
            environment: environment, stderrFile: home.appendingPathComponent("init.log"))
        process.closeStdin()
        let status = await process.waitForExit(seconds: 60)
        if status == nil { process.signal(SIGKILL) }
        process.retireStdout()
        #expect(status == 0, "\(process.stderr)")
        let directoryMode = try FileManager.default.attributesOfItem(atPath: data.path)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700)
        let tokenMode = try FileManager.default.attributesOfItem(atPath: ServerToken.file(in: data).path)[.posixPermissions] as? Int
        #expect(tokenMode == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.path).filter { $0.hasPrefix(".server-token") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// SIGTERM sent the moment the readiness line appears always stops the server with 0.
    @Test func sigtermRightAfterReadinessAlwaysStopsCleanly() async throws {
        for attempt in 1...10 {
            let served = try await serve()
            let status = await served.stop()
            #expect(status == 0, "attempt \(attempt): exit \(String(describing: status)); stderr: \(served.process.stderr)")
            if status != 0 { break }
        }
    }
}
