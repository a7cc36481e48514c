import ArgumentParser
import Foundation
import OCIDistribution
import TerminalProgress

/// `--progress`: how pull and transfer progress is drawn on stderr.
package enum ProgressOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, tty, plain, json

    /// `auto` draws bars on a terminal and plain lines otherwise.
    package var resolved: ProgressStyle {
        switch self {
        case .auto: ProgressStyle.automatic(isTerminal: isatty(STDERR_FILENO) == 1)
        case .tty: .tty
        case .plain: .plain
        case .json: .json
        }
    }
}

/// `--progress auto|tty|plain|json`, shared by every command that pulls or transfers.
package struct ProgressOptions: ParsableArguments, Sendable {
    package init() {}

    @Option(help: "Progress display on stderr: auto (bars on a terminal, plain lines otherwise), tty, plain or json.")
    package var progress: ProgressOption = .auto

    /// The style to draw in, `auto` resolved against stderr being a terminal.
    package var style: ProgressStyle { progress.resolved }

    /// A writer of progress in this style on stderr.
    package func output() -> ProgressOutput { ProgressOutput(style: style) }
}

/// Writes rendered progress to stderr; events arrive from the pull's or transfer's tasks,
/// one at a time.
package final class ProgressOutput: @unchecked Sendable {
    // @unchecked: the renderer is only touched under `lock` (events may come from any thread).
    private var renderer: ProgressRenderer
    private let lock = NSLock()

    package init(style: ProgressStyle) {
        renderer = ProgressRenderer(style: style, columns: Self.terminalColumns() ?? 80)
    }

    /// The width of the terminal on stderr (where progress is drawn), else $COLUMNS.
    package static func terminalColumns() -> Int? {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    package func write(_ event: PullEvent, image: String) {
        emit(lock.withLock { renderer.render(event, image: image) })
    }

    package func write(_ event: TransferEvent) {
        emit(lock.withLock { renderer.render(event) })
    }

    /// For `ImageCopier` and the registry client: every event drawn here.
    package var transferHandler: TransferProgressHandler { { [self] event in write(event) } }

    /// Ends the display, so following output starts on a fresh line below it.
    package func finish() {
        emit(lock.withLock { renderer.finish() })
    }

    private func emit(_ text: String) {
        if !text.isEmpty { Output.standardError(text) }
    }
}
