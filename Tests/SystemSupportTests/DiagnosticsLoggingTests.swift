import Foundation
import Logging
import SystemSupport
import TestSupport
import Testing

/// What `--log-level debug` shows of subprocesses and state writes.
@Suite("Diagnostics through swift-log (real processes and files)")
struct DiagnosticsLoggingTests {
    @Test func eachSubprocessIsLoggedWithItsExitStatusAndDurationButNotItsArguments() async throws {
        let lines = LogRecorder()
        let runner = ProcessRunner(logger: lines.logger())
        _ = try await runner.run(ProcessRequest("sh", ["-c", "exit 3", "password=hunter2-secret"]))
        let debug = lines.entries.map(\.leveledLine).filter { $0.hasPrefix("debug ") }
        #expect(debug.count == 1, "\(lines.entries.map(\.leveledLine))")
        let line = try #require(debug.first)
        #expect(line.contains("/sh exited 3") && line.contains("arguments=3") && line.contains(" ms"), "\(line)")
        #expect(!lines.entries.map(\.leveledLine).joined().contains("hunter2"), "\(lines.entries.map(\.leveledLine))")
    }

    @Test func eachStateWriteIsLoggedWithItsPath() throws {
        let lines = LogRecorder()
        try withTemporaryDirectory(prefix: "state-log-") { directory in
            let file = directory.appendingPathComponent("state.json")
            let state = JSONStateFile(file, logger: lines.logger(), empty: { [String: Int]() })
            try state.update { $0["runs", default: 0] += 1 }
            #expect(lines.entries.map(\.leveledLine).filter { $0.hasPrefix("debug wrote \(file.path)") }.count == 1, "\(lines.entries.map(\.leveledLine))")
        }
    }
}
