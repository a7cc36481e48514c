import ArgumentParser

/// The one exit-status table of both tools (`oubliette` and `release-tool`), printed in each
/// tool's `--help` and in README.
package enum ExitStatus {
    /// The command did what was asked.
    package static let success = ExitCode(0)
    /// It could not: an unreachable engine or registry, an invalid config, a failed pull.
    package static let failure = ExitCode(1)
    /// The command line was wrong: an unknown command or option, a missing or bad argument.
    package static let usage = ExitCode(2)
    /// A check the user asked for ran and found a problem (`scan --fail-on`, `workflow --check`).
    package static let gateFailed = ExitCode(3)
    /// A prompt had no answer: it needs a terminal or its flag (`--yes`), or the user said no.
    package static let declined = ExitCode(4)

    /// The table as `--help` shows it.
    package static let helpText = """
        Exit status: 0 done; 1 failed (the error says why); 2 usage error (unknown command or \
        option, bad argument); 3 a requested check found a problem (scan --fail-on, workflow \
        --check); 4 a question went unanswered or was answered no (no terminal: pass --yes). \
        Errors are printed on stderr as `error: …`.
        """
}
