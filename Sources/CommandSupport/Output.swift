import Foundation
import SystemSupport

/// The one way both tools print: results on stdout (text lines, or JSON with one encoder
/// configuration), diagnostics on stderr, every message ending in a newline, unbuffered so
/// stdout and stderr interleave in order.
package enum Output {
    /// A `--json` report of ours: sorted, pretty, ISO-8601 dates, no escaped slashes, stable
    /// for scripts and diffs. Keys are snake_case in every `--json` output of both tools
    /// (`blobs_uploaded`, not `blobsUploaded`); dictionary keys are data and stay as they are.
    package static func jsonText<T: Encodable>(_ value: T) throws -> String {
        try JSONCoding.text(value, as: .report)
    }

    /// A standard document (SARIF, …): the same formatting with the keys as the standard
    /// spells them (SARIF's `ruleId`, SPDX's `spdxVersion`).
    package static func documentText<T: Encodable>(_ value: T) throws -> String {
        try JSONCoding.text(value, as: .pretty)
    }

    /// `value` as JSON on stdout.
    package static func json<T: Encodable>(_ value: T) throws {
        line(try jsonText(value))
    }

    /// One line of results on stdout.
    package static func line(_ text: String) {
        write(text.hasSuffix("\n") ? text : text + "\n", to: FileHandle.standardOutput)
    }

    /// A diagnostic line on stderr (progress steps, notes).
    package static func diagnostic(_ text: String) {
        write(text.hasSuffix("\n") ? text : text + "\n", to: FileHandle.standardError)
    }

    /// `warning: …` on stderr (the prefix is added unless the text has one).
    package static func warning(_ text: String) {
        diagnostic(text.hasPrefix("warning:") || text.hasPrefix("note:") ? text : "warning: \(text)")
    }

    /// `error: …` on stderr.
    package static func error(_ text: String) {
        diagnostic("error: \(text)")
    }

    /// Raw text on stdout, as is (a generated document).
    package static func standardOutput(_ text: String) {
        write(text, to: FileHandle.standardOutput)
    }

    /// Raw text on stderr, as is (progress redraws).
    package static func standardError(_ text: String) {
        write(text, to: FileHandle.standardError)
    }

    private static func write(_ text: String, to handle: FileHandle) {
        handle.write(Data(text.utf8))
    }
}
