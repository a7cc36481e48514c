import ArgumentParser
import SystemSupport

/// A command of either tool. Its `run` bootstraps logging from its ``LoggingOptions``, calls
/// `execute`, and reports what `execute` throws in this one place: the error's text on
/// stderr as `error: …` and exit status 1 (also with `--json`: stdout then carries only
/// what the command printed before, never a half report). Commands throw; they do not
/// print their own errors.
package protocol LoggedCommand: AsyncParsableCommand {
    var logging: LoggingOptions { get }
    func execute() async throws
}

extension LoggedCommand {
    package func run() async throws {
        logging.bootstrap()
        try await reportingErrors { try await execute() }
    }
}

/// Runs `body`; an error becomes its description on stderr and exit status 1, so no
/// command ends in a stack trace or a Swift error dump. ``LoggedCommand`` does this for
/// every command; call it only where an error is reported and then handled (a loop that
/// goes on with the next item).
package func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw reported(error)
    }
}

/// Synchronous twin of ``reportingErrors(_:)``.
package func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw reported(error)
    }
}

/// Exit codes, clean exits and usage errors pass through (ArgumentParser prints those, and
/// an error reported once became an exit code); anything else is printed once and becomes
/// exit status 1.
func reported(_ error: any Error) -> any Error {
    if error is ExitCode || error is ValidationError || error is CleanExit { return error }
    Output.error(describe(error))
    return ExitStatus.failure
}
