import Foundation

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
    public let width: Int
    private var layers: [String] = []
    private var states: [String: PullEvent] = [:]
    private var linesDrawn = 0

    public init(style: ProgressStyle, width: Int = 30) {
        self.style = style
        self.width = width
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
            guard let layer = event.layer else { return redraw(footer: "\(image): \(event.status)") }
            if !layers.contains(layer) { layers.append(layer) }
            states[layer] = event
            return redraw(footer: nil, image: image)
        }
    }

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
            lines.append("\(layer): \(event.status.padding(toLength: 18, withPad: " ", startingAt: 0)) \(bar(event.fraction))")
        }
        if total > 0 {
            lines.append("total: \(Self.bytes(done)) / \(Self.bytes(total))")
        }
        if let footer { lines.append(footer) }
        for line in lines { out += "\u{1B}[2K\(line)\n" }
        // A footer is final output: it is not redrawn over.
        linesDrawn = footer == nil ? lines.count : 0
        if footer != nil {
            layers.removeAll()
            states.removeAll()
        }
        return out
    }

    private func bar(_ fraction: Double?) -> String {
        guard let fraction else { return "" }
        let filled = Int((fraction * Double(width)).rounded(.down))
        return "[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "] "
            + String(format: "%3d%%", Int(fraction * 100))
    }

    private func jsonLine(_ event: PullEvent, image: String) -> String {
        struct Line: Encodable {
            let image: String
            let layer: String?
            let status: String
            let current: Int64?
            let total: Int64?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
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
