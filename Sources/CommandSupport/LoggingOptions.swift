import ArgumentParser
import Logging

/// `--verbose` and `--log-level`, shared by every command of both tools. Diagnostics go
/// through swift-log to stderr; the logging system is bootstrapped once, before the command
/// does anything.
public struct LoggingOptions: ParsableArguments, Sendable {
    public init() {}

    @Flag(name: .shortAndLong, help: "Log what is being done (same as --log-level debug).")
    public var verbose = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical (default: warning).")
    public var logLevel: LogLevelOption?

    public var level: Logger.Level {
        logLevel?.level ?? (verbose ? .debug : .warning)
    }

    /// Points swift-log at stderr with the chosen level. Call once per process.
    public func bootstrap() {
        let level = self.level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

public enum LogLevelOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical

    public var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .warning }
}
