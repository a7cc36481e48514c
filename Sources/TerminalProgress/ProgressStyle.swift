import Foundation

/// How progress is shown: redrawn bars on a terminal, one line per state change in logs, or
/// JSON lines for scripts.
package enum ProgressStyle: String, Sendable, CaseIterable {
    case tty
    case plain
    case json

    /// `tty` when the stream is a terminal and TERM is not "dumb", else `plain`.
    package static func automatic(isTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> ProgressStyle {
        isTerminal && environment["TERM"] != "dumb" ? .tty : .plain
    }
}
