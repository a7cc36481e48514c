import ArgumentParser

/// `--json`: results as JSON on stdout, shared by every command that has them. Steps,
/// progress and errors stay on stderr, so stdout is only the JSON document.
package struct JSONOutputOptions: ParsableArguments, Sendable {
    package init() {}

    @Flag(help: "Print the results as JSON on stdout (steps and progress go to stderr).")
    package var json = false
}
