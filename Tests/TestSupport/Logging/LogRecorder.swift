import Foundation
import Logging

/// Keeps every record the loggers it makes write, for assertions after the calls: what
/// `--log-level debug` would show, without bootstrapping the process-wide logging system.
package final class LogRecorder: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock` (loggers log from any thread).
    package struct Entry: Sendable {
        package let level: Logger.Level
        package let message: String
        package let metadata: [String: String]
        /// "message key=value…", as a handler writing lines would show it.
        package var line: String { ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
        /// "level message key=value…".
        package var leveledLine: String { "\(level) \(line)" }
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    package init() {}

    package var entries: [Entry] { lock.withLock { stored } }

    /// A logger at trace whose records land here.
    package func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ entry: Entry) { lock.withLock { stored.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
