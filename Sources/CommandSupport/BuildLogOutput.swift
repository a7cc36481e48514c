import Foundation
import ImageBuilders

/// Draws a builder's output on stderr as it arrives, each line prefixed with the build it
/// belongs to (`[build base] STEP 2/3: RUN …`), so it is clear the text is buildah's or
/// docker's, not ours. On a terminal the prefix is dimmed; otherwise (CI logs, files) no
/// escape sequences are written at all, the tool's own included.
package enum BuildLogOutput {
    /// The log for commands that build: lines on stderr, or nil with `--quiet` (a failed
    /// build's error still quotes the end of the builder's output).
    package static func make(quiet: Bool, isTerminal: Bool = isatty(STDERR_FILENO) == 1) -> BuildLog? {
        guard !quiet else { return nil }
        let colour = isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
        return BuildLog { line in Output.diagnostic(render(line, colour: colour)) }
    }

    /// One output line: the prefix, then the tool's text with control characters removed
    /// (kept only on a terminal when `colour` is on, where they are the tool's colours).
    package static func render(_ line: BuildLogLine, colour: Bool) -> String {
        let prefix = "[build \(line.image)]"
        let text = colour ? line.text : stripControlSequences(line.text)
        return colour ? "\u{1B}[2m\(prefix)\u{1B}[0m \(text)" : "\(prefix) \(text)"
    }

    /// `text` without ANSI escape sequences (`ESC [ … letter`) and other control characters
    /// except tab.
    static func stripControlSequences(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "\u{1B}" {
                // CSI: ESC [ parameters… final byte in @…~; any other escape drops one scalar.
                guard let next = scalars.next(), next == "[" else { continue }
                while let inner = scalars.next(), !(0x40...0x7E).contains(inner.value) {}
                continue
            }
            if scalar.properties.generalCategory == .control && scalar != "\t" { continue }
            result.append(scalar)
        }
        return String(result)
    }
}
