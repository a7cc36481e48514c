import ArgumentParser
import Logging

/// `--verbose` and `--log-level`, shared by every command of both tools. Diagnostics go
/// through swift-log to stderr; the logging system is bootstrapped once, before the command
/// does anything.
package struct LoggingOptions: ParsableArguments, Sendable {
    package init() {}

    @Flag(name: .shortAndLong, help: "Log what is being done (same as --log-level debug).")
    package var verbose = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical (default: warning).")
    package var logLevel: LogLevelOption?

    package var level: Logger.Level {
        logLevel?.level ?? (verbose ? .debug : .warning)
    }

    /// Points swift-log at stderr with the chosen level. Call once per process.
    package func bootstrap() {
        let level = self.level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

package enum LogLevelOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical

    package var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .warning }
}
