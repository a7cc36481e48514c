import Foundation
import OCIDistribution

/// Reads the lines `container image pull --progress plain` writes to stderr.
///
/// Their shape comes from `TerminalProgress/ProgressBar.swift` (`draw(state:detail:)`) as
/// configured by `ContainerCommands/Image/ImagePull.swift` (tasks, items, size and speed):
///
///     [1/2] Fetching image 45% (12 of 35 blobs, 10.2/22.5 MB, 3.1 MB/s) [2s]
///     [2/2] Unpacking image 100% (1,204 entries) [9s]
///
/// Sizes are `ByteCountFormatter` binary counts (1 KB = 1024 bytes), so the byte numbers
/// recovered here are approximate. Percent and parentheses are left out for small totals.
enum AppleProgressLine {
    /// The pull event a line stands for, or nil when it is not a progress line (warnings,
    /// error text). Every progress line ends with its elapsed time, e.g. `[2s]`.
    static func event(from rawLine: String) -> PullEvent? {
        var line = Substring(rawLine.trimmingCharacters(in: .whitespaces))
        guard line.hasSuffix("]"), let open = line.lastIndex(of: "["),
            line[line.index(after: open)..<line.index(before: line.endIndex)].allSatisfy({ "0123456789dhms ".contains($0) }),
            line.index(after: open) < line.index(before: line.endIndex)
        else { return nil }
        line = line[..<open].dropLast(while: \.isWhitespace)

        var layer: String?
        if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
            let steps = line[line.index(after: line.startIndex)..<close]
            if steps.split(separator: "/").count == 2, steps.allSatisfy({ $0.isNumber || $0 == "/" }) {
                layer = String(steps)
                line = line[line.index(after: close)...].drop(while: \.isWhitespace)
            }
        }

        var details: [Substring] = []
        if line.hasSuffix(")"), let open = line.lastIndex(of: "(") {
            details = line[line.index(after: open)..<line.index(before: line.endIndex)]
                .components(separatedBy: ", ").map { Substring($0) }
            line = line[..<open].dropLast(while: \.isWhitespace)
        }
        if let space = line.lastIndex(of: " "), line.hasSuffix("%"),
            line[line.index(after: space)...].dropLast().allSatisfy(\.isNumber)
        {
            line = line[..<space]
        }
        let status = line.trimmingCharacters(in: .whitespaces)
        guard !status.isEmpty else { return nil }

        var current: Int64?
        var total: Int64?
        for detail in details where !detail.hasSuffix("/s") {
            if let pair = sizes(in: detail) {
                current = pair.done
                total = pair.whole
            }
        }
        return PullEvent(layer: layer, status: status, current: current, total: total)
    }

    /// `10.2/22.5 MB`, `512 KB/22.5 MB` or (finished) `22.5 MB`; nil for item counts.
    private static func sizes(in text: Substring) -> (done: Int64, whole: Int64)? {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let last = parts.last, let whole = bytes(last, unit: nil) else { return nil }
        guard parts.count == 2 else { return (whole.value, whole.value) }
        guard let done = bytes(parts[0], unit: whole.unit) else { return nil }
        return (done.value, whole.value)
    }

    private static let units: [String: Int64] = [
        "byte": 1, "bytes": 1, "B": 1,
        "KB": 1 << 10, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40, "PB": 1 << 50,
    ]

    /// `"22.5 MB"`, or a bare number that takes `unit` (the first half of `10.2/22.5 MB`).
    private static func bytes(_ text: Substring, unit inherited: Int64?) -> (value: Int64, unit: Int64)? {
        let words = text.split(separator: " ")
        let scale: Int64
        switch words.count {
        case 1:
            guard let inherited else { return nil }
            scale = inherited
        case 2:
            guard let known = units[String(words[1])] else { return nil }
            scale = known
        default:
            return nil
        }
        if words[0] == "Zero" { return (0, scale) }
        guard let number = number(words[0]) else { return nil }
        return (Int64((number * Double(scale)).rounded()), scale)
    }

    /// Accepts `1,023.5` (grouping) and `10,5` (a decimal comma) as well as `10.5`.
    private static func number(_ text: Substring) -> Double? {
        var digits = String(text)
        if digits.contains(".") {
            digits.removeAll { $0 == "," }
        } else if let comma = digits.firstIndex(of: ",") {
            let after = digits[digits.index(after: comma)...]
            if after.count == 3, !after.contains(",") { digits.remove(at: comma) } else { digits.replaceSubrange(comma...comma, with: ".") }
        }
        return Double(digits)
    }
}

private extension Substring {
    func dropLast(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
