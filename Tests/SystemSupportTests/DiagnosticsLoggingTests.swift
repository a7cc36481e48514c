import Foundation
import Logging
import SystemSupport
import Testing

/// What `--log-level debug` shows of subprocesses and state writes.
@Suite("Diagnostics through swift-log (real processes and files)")
struct DiagnosticsLoggingTests {
    /// Every record a logger made, as "LEVEL message key=value…" lines.
    final class Lines: @unchecked Sendable, LogHandler {
        private let lock = NSLock()
        private var stored: [String] = []
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lock.lock()
            defer { lock.unlock() }
            stored.append((["\(event.level) \(event.message)"] + fields).joined(separator: " "))
        }

        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }

        var logger: Logger {
            var logger = Logger(label: "test") { _ in self }
            logger.logLevel = .trace
            return logger
        }
    }

    @Test func eachSubprocessIsLoggedWithItsExitStatusAndDurationButNotItsArguments() async throws {
        let lines = Lines()
        let runner = ProcessRunner(logger: lines.logger)
        _ = try await runner.run(ProcessRequest("sh", ["-c", "exit 3", "password=hunter2-secret"]))
        let debug = lines.all.filter { $0.hasPrefix("debug ") }
        #expect(debug.count == 1, "\(lines.all)")
        let line = try #require(debug.first)
        #expect(line.contains("/sh exited 3") && line.contains("arguments=3") && line.contains(" ms"), "\(line)")
        #expect(!lines.all.joined().contains("hunter2"), "\(lines.all)")
    }

    @Test func eachStateWriteIsLoggedWithItsPath() throws {
        let lines = Lines()
        try withTemporaryDirectory(prefix: "state-log-") { directory in
            let file = directory.appendingPathComponent("state.json")
            let state = JSONStateFile(file, logger: lines.logger, empty: { [String: Int]() })
            try state.update { $0["runs", default: 0] += 1 }
            #expect(lines.all.filter { $0.hasPrefix("debug wrote \(file.path)") }.count == 1, "\(lines.all)")
        }
    }
}
