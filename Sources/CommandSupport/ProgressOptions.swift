import ArgumentParser
import Foundation
import OCIDistribution
import TerminalProgress

/// `--progress`: how pull and transfer progress is drawn on stderr.
public enum ProgressOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, tty, plain, json

    /// `auto` draws bars on a terminal and plain lines otherwise.
    public var resolved: ProgressStyle {
        switch self {
        case .auto: ProgressStyle.automatic(isTerminal: isatty(STDERR_FILENO) == 1)
        case .tty: .tty
        case .plain: .plain
        case .json: .json
        }
    }
}

/// Writes rendered pull progress to stderr; events arrive from the pull's task, one at a time.
public final class ProgressOutput: @unchecked Sendable {
    // @unchecked: the renderer is only touched under `lock` (events may come from any thread).
    private var renderer: PullProgressRenderer
    private let lock = NSLock()

    public init(style: ProgressStyle) {
        renderer = PullProgressRenderer(style: style, columns: Self.terminalColumns() ?? 80)
    }

    /// The width of the terminal on stderr (where progress is drawn), else $COLUMNS.
    public static func terminalColumns() -> Int? {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    public func write(_ event: PullEvent, image: String) {
        let text = lock.withLock { renderer.render(event, image: image) }
        if !text.isEmpty { Output.standardError(text) }
    }
}
