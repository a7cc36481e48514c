import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `scan --update-db` offline: it fails in seconds with a sentence naming the URL and the
/// fix, never after a client's minutes of connection retries.
@Suite("scan --update-db fails fast when the export's host does not answer")
struct UpdateDBDeadlineTests {
    /// A loopback TCP socket bound to a free port; listening (the kernel completes handshakes
    /// into its backlog, nobody ever accepts or answers) or only bound (connections refused).
    final class LoopbackSocket {
        let descriptor: Int32
        let port: Int

        init(listening: Bool) throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(descriptor >= 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            if listening { try #require(listen(descriptor, 16) == 0) }
            self.descriptor = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    static func update(port: Int) async throws -> (result: ToolResult, seconds: Double, url: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("updatedb-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = "http://127.0.0.1:\(port)/Debian/all.zip"
        let started = ContinuousClock.now
        let result = try await InventoryTestSupport.releaseTool(["scan", "--update-db", directory.path, "--url", url], timeout: 120)
        let elapsed = ContinuousClock.now - started
        return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, url)
    }

    static func expectPlainSentence(_ stderr: String, url: String) {
        #expect(stderr.contains("error: cannot download \(url)"), "\(stderr)")
        #expect(stderr.contains("--url"), "\(stderr)")
        for leaked in ["errno", "NIOConnectionError", "HTTPClientError", "descriptor:", "NIOCore"] {
            #expect(!stderr.contains(leaked), "\(leaked) in: \(stderr)")
        }
    }

    @Test("a closed loopback port: refused at once", .timeLimit(.minutes(2)))
    func closedPortFailsAtOnce() async throws {
        let closed = try LoopbackSocket(listening: false)
        let (result, seconds, url) = try await Self.update(port: closed.port)
        #expect(result.status == 1)
        // Alone ~0.5 s, but the clock includes starting the debug binary beside the whole suite
        // on two cores (18 s once in CI). The bound only has to tell "at once" from the old
        // client's connection retries, which lasted until its 10-minute request deadline.
        #expect(seconds < 60, "took \(seconds) s")
        #expect(result.stderr.contains("connection refused"), "\(result.stderr)")
        Self.expectPlainSentence(result.stderr, url: url)
        print("scan --update-db against a closed port failed after \(String(format: "%.2f", seconds)) s")
    }

    @Test("a host that accepts the connection and never answers: the answer deadline, not minutes", .timeLimit(.minutes(2)))
    func silentHostFailsWithinTheDeadline() async throws {
        let blackhole = try LoopbackSocket(listening: true)
        let (result, seconds, url) = try await Self.update(port: blackhole.port)
        #expect(result.status == 1)
        // The 10 s answer deadline, plus start-up on loaded cores; never the old 10 minutes.
        #expect(seconds >= 9.5 && seconds < 90, "took \(seconds) s")
        #expect(result.stderr.contains("sent nothing for 10 s"), "\(result.stderr)")
        Self.expectPlainSentence(result.stderr, url: url)
        print("scan --update-db against a silent listener failed after \(String(format: "%.2f", seconds)) s")
    }
}
