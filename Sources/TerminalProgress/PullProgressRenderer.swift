import Foundation
import OCIDistribution
import SystemSupport

/// How pull progress is shown: redrawn bars on a terminal, one line per layer state change
/// in logs, or JSON lines for scripts.
public enum ProgressStyle: String, Sendable, CaseIterable {
    case tty
    case plain
    case json

    /// `tty` when the stream is a terminal and TERM is not "dumb", else `plain`.
    public static func automatic(isTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> ProgressStyle {
        isTerminal && environment["TERM"] != "dumb" ? .tty : .plain
    }
}

/// Turns pull events into text. Pure: the caller writes the returned string to its stream,
/// so the rendering is testable without a terminal.
public struct PullProgressRenderer: Sendable {
    public let style: ProgressStyle
    /// The widest a bar is drawn, in characters (narrower when the terminal is).
    public let width: Int
    /// The terminal's width: redrawn lines are kept shorter than it (a wrapped line would
    /// break the cursor-up redraw), and final lines are wrapped at word boundaries.
    public let columns: Int
    private let now: @Sendable () -> Date
    private var layers: [String] = []
    private var states: [String: PullEvent] = [:]
    private var linesDrawn = 0
    /// The first frame with sizes, and the bytes done then: the base of speed and ETA.
    private var started: (at: Date, done: Int64)?

    public init(style: ProgressStyle, width: Int = 30, columns: Int = 80, now: @escaping @Sendable () -> Date = { Date() }) {
        self.style = style
        self.width = width
        self.columns = max(columns, 20)
        self.now = now
    }

    /// Text to write for `event` about `image` (possibly empty).
    public mutating func render(_ event: PullEvent, image: String) -> String {
        switch style {
        case .json:
            return jsonLine(event, image: image)
        case .plain:
            guard let layer = event.layer else { return "\(image): \(event.status)\n" }
            if !layers.contains(layer) { layers.append(layer) }
            // Byte counters change constantly; only a change of state is worth a log line.
            let previous = states[layer]
            states[layer] = event
            if previous?.status == event.status { return "" }
            return "\(image): \(layer): \(event.status)\(event.total.map { " (\(Self.bytes($0)))" } ?? "")\n"
        case .tty:
            guard let layer = event.layer else { return redraw(footer: "\(image): \(event.status)", image: image) }
            if !layers.contains(layer) { layers.append(layer) }
            states[layer] = event
            return redraw(footer: nil, image: image)
        }
    }

    /// Characters a redrawn line may use: one less than the terminal, so the cursor never
    /// wraps onto the next row.
    private var usable: Int { columns - 1 }

    private mutating func redraw(footer: String?, image: String = "") -> String {
        var out = ""
        if linesDrawn > 0 { out += "\u{1B}[\(linesDrawn)A" } // cursor up over the previous frame
        var lines: [String] = []
        var done: Int64 = 0
        var total: Int64 = 0
        for layer in layers {
            guard let event = states[layer] else { continue }
            if let t = event.total, t > 0 {
                done += event.current ?? 0
                total += t
            }
            lines.append(layerLine(layer, event))
        }
        if total > 0 {
            lines.append(totalLine(image: image, done: done, total: total))
        }
        // A footer is final output: it is not redrawn over, so it may take several rows,
        // broken between words.
        let final = footer.map { Self.wrapped($0, width: usable) } ?? []
        for line in lines + final { out += "\u{1B}[2K\(line)\n" }
        linesDrawn = footer == nil ? lines.count : 0
        if footer != nil {
            layers.removeAll()
            states.removeAll()
            started = nil
        }
        return out
    }

    /// `aaa: Downloading        [=====     ]  50%`, the bar shrunk (or dropped) to fit.
    private func layerLine(_ layer: String, _ event: PullEvent) -> String {
        let head = "\(layer): \(event.status.padding(toLength: 18, withPad: " ", startingAt: 0))"
        guard let fraction = event.fraction else { return Self.clipped(head, to: usable) }
        let percent = String(format: "%3d%%", Int(fraction * 100))
        // "[" + bar + "] " + percent, after one space.
        let room = usable - head.count - 1 - 3 - percent.count
        if room >= 5 {
            let barWidth = min(width, room)
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            return "\(head) [" + String(repeating: "=", count: filled) + String(repeating: " ", count: barWidth - filled) + "] " + percent
        }
        let compact = "\(layer): \(event.status) \(percent)"
        return compact.count <= usable ? compact : Self.clipped("\(layer): \(percent) \(event.status)", to: usable)
    }

    /// `dev: 12.3 MB / 40.0 MB, 5.1 MB/s, ETA 6 s`: the parts that fit; speed and ETA count
    /// from the first frame with sizes, once half a second has passed.
    private mutating func totalLine(image: String, done: Int64, total: Int64) -> String {
        let moment = now()
        if started == nil { started = (moment, done) }
        var parts = ["\(image): \(Self.bytes(done)) / \(Self.bytes(total))"]
        if let started, case let elapsed = moment.timeIntervalSince(started.at), elapsed >= 0.5, done > started.done {
            let speed = Double(done - started.done) / elapsed
            parts.append("\(Self.bytes(Int64(speed)))/s")
            if total > done { parts.append("ETA \(Self.duration(Double(total - done) / speed))") }
        }
        while parts.count > 1, parts.joined(separator: ", ").count > usable { parts.removeLast() }
        return Self.clipped(parts.joined(separator: ", "), to: usable)
    }

    /// `text` cut to `width` characters at a word boundary (mid-word only when one word is
    /// longer than the line), ending in "…" when anything was cut.
    static func clipped(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        let limit = text.index(text.startIndex, offsetBy: max(width - 1, 0))
        let head = text[..<limit]
        if let space = head.lastIndex(of: " "), space > head.startIndex {
            return String(head[..<space]).trimmingCharacters(in: .whitespaces) + "…"
        }
        return String(head) + "…"
    }

    /// `text` broken into lines of at most `width` characters between words; a single word
    /// longer than a line (a digest on a narrow terminal) is shortened with "…" rather than
    /// left for the terminal to break.
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for whole in text.split(separator: " ", omittingEmptySubsequences: false) {
            let word = whole.count > width ? Substring(clipped(String(whole), to: width)) : whole
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        lines.append(current)
        return lines
    }

    /// `45 s`, `3 min 5 s`, `2 h 10 min`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min\(total % 60 == 0 ? "" : " \(total % 60) s")" }
        return "\(total / 3600) h \((total % 3600) / 60) min"
    }

    private func jsonLine(_ event: PullEvent, image: String) -> String {
        struct Line: Encodable {
            let image: String
            let layer: String?
            let status: String
            let current: Int64?
            let total: Int64?
        }
        let encoder = JSONCoding.encoder(.canonical)
        let line = Line(image: image, layer: event.layer, status: event.status, current: event.current, total: event.total)
        guard let data = try? encoder.encode(line) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
