import Foundation
import OCIDistribution
import SystemSupport

/// Turns progress events — an engine's pull (`PullEvent`) or the registry client's blob
/// transfers (`TransferEvent`) — into text. Pure: the caller writes the returned string to
/// its stream, so the rendering is testable without a terminal.
///
/// On a terminal (`tty`) the in-progress rows are redrawn in place and never reach the
/// last column (a wrapped row breaks the cursor-up redraw); rows too long are cut between
/// words with "…". Final lines (a pull's closing status, a finished blob, a pushed
/// manifest) are printed once above the redrawn rows and broken between words. `plain`
/// prints one line per change of state (for logs); `json` one object per event per line.
package struct ProgressRenderer: Sendable {
    package let style: ProgressStyle
    /// The widest a bar is drawn, in characters (narrower when the terminal is).
    package let width: Int
    /// The terminal's width in columns.
    package let columns: Int
    private let now: @Sendable () -> Date
    private var rows: [String] = []
    private var states: [String: Row] = [:]
    private var linesDrawn = 0
    /// The first frame with sizes, and the bytes done then: the base of speed and ETA.
    private var started: (at: Date, done: Int64)?
    /// When transfer rows were last redrawn: a blob's progress comes per chunk read, far
    /// more often than a terminal needs.
    private var lastTransferDraw: Date?

    /// One redrawn row: a layer of a pull or a blob of a transfer.
    private struct Row: Sendable {
        var status: String
        var current: Int64?
        var total: Int64?
        /// A transfer's blob that has finished: counted, no longer drawn.
        var finished = false

        var fraction: Double? {
            guard let current, let total, total > 0 else { return nil }
            return min(1, max(0, Double(current) / Double(total)))
        }
    }

    /// Transfer rows are redrawn at most this often (state is kept in between).
    static let transferRedrawInterval: TimeInterval = 0.1

    package init(style: ProgressStyle, width: Int = 30, columns: Int = 80, now: @escaping @Sendable () -> Date = { Date() }) {
        self.style = style
        self.width = width
        self.columns = max(columns, 20)
        self.now = now
    }

    /// Columns a redrawn row may use: one less than the terminal, so the cursor never wraps
    /// onto the next row.
    private var usable: Int { columns - 1 }

    // MARK: Pulls

    /// Text to write for `event` about `image` (possibly empty).
    package mutating func render(_ event: PullEvent, image: String) -> String {
        switch style {
        case .json:
            return Self.jsonLine(PullLine(image: image, layer: event.layer, status: event.status, current: event.current, total: event.total))
        case .plain:
            guard let layer = event.layer else { return "\(image): \(event.status)\n" }
            // Byte counters change constantly; only a change of state is worth a log line.
            let previous = update(layer, status: event.status, current: event.current, total: event.total)
            if previous?.status == event.status { return "" }
            return "\(image): \(layer): \(event.status)\(event.total.map { " (\(TerminalText.bytes($0)))" } ?? "")\n"
        case .tty:
            guard let layer = event.layer else {
                // A whole-image message ends the pull: it stays below the last frame.
                let out = redraw(above: [], below: ["\(image): \(event.status)"], totalLabel: image)
                reset()
                return out
            }
            update(layer, status: event.status, current: event.current, total: event.total)
            return redraw(above: [], below: [], totalLabel: image)
        }
    }

    // MARK: Transfers

    /// Text to write for a blob transfer event (possibly empty). `label` names the transfer
    /// on the total row (`blobs` by default).
    package mutating func render(_ event: TransferEvent, label: String = "blobs") -> String {
        switch style {
        case .json:
            return Self.jsonLine(TransferLine(event))
        case .plain:
            return transferFinalLine(event).map { $0 + "\n" } ?? ""
        case .tty:
            let final = transferFinalLine(event)
            recordTransfer(event)
            if final == nil, case .blobProgress = event {
                let moment = now()
                if let last = lastTransferDraw, moment.timeIntervalSince(last) < Self.transferRedrawInterval { return "" }
            }
            lastTransferDraw = now()
            return redraw(above: final.map { [$0] } ?? [], below: [], totalLabel: label)
        }
    }

    /// Ends the current display: later output starts below the last frame, and the next
    /// transfer or pull starts from nothing. Returns the text to write (possibly empty).
    package mutating func finish() -> String {
        reset()
        return ""
    }

    private mutating func recordTransfer(_ event: TransferEvent) {
        switch event {
        case let .blobStarted(digest, total):
            update(Self.short(digest), status: "Waiting", current: 0, total: total)
        case let .blobProgress(digest, done, total):
            update(Self.short(digest), status: "Transferring", current: done, total: total ?? states[Self.short(digest)]?.total)
        case let .blobFinished(digest, outcome):
            let key = Self.short(digest)
            var row = states[key] ?? Row(status: "", current: nil, total: nil)
            if case let .downloaded(bytes) = outcome, row.total == nil { row.total = bytes }
            if case let .pushed(.uploaded(bytes)) = outcome, row.total == nil { row.total = bytes }
            row.current = row.total
            row.finished = true
            if states[key] == nil { rows.append(key) }
            states[key] = row
        case .manifestPushed:
            break
        }
    }

    /// The line a transfer event leaves in the output for good, if any.
    private func transferFinalLine(_ event: TransferEvent) -> String? {
        switch event {
        case let .blobFinished(digest, outcome): return "\(Self.short(digest)): \(Self.describe(outcome))"
        case let .manifestPushed(digest, reference): return "wrote manifest \(digest) to \(reference)"
        case .blobStarted, .blobProgress: return nil
        }
    }

    /// `sha256:0123456789ab`: the algorithm and twelve hex digits, as docker shortens IDs.
    static func short(_ digest: Digest) -> String { "\(digest.algorithm):\(digest.encoded.prefix(12))" }

    static func describe(_ outcome: BlobTransferOutcome) -> String {
        switch outcome {
        case let .pushed(.uploaded(bytes)): return "uploaded \(TerminalText.bytes(bytes))"
        case let .pushed(.mounted(from)): return "mounted from \(from)"
        case .pushed(.existed): return "already in the registry"
        case let .downloaded(bytes): return "downloaded \(TerminalText.bytes(bytes))"
        case .alreadyPresent: return "already present"
        }
    }

    // MARK: Drawing

    /// Records a row's new state and returns the one before.
    @discardableResult
    private mutating func update(_ key: String, status: String, current: Int64?, total: Int64?) -> Row? {
        if states[key] == nil { rows.append(key) }
        let previous = states[key]
        states[key] = Row(status: status, current: current, total: total)
        return previous
    }

    private mutating func reset() {
        rows.removeAll()
        states.removeAll()
        started = nil
        linesDrawn = 0
        lastTransferDraw = nil
    }

    /// Moves up over the previous frame and draws: `above` (final lines, printed once), the
    /// rows still in progress with a total row, then `below` (final lines after the frame).
    private mutating func redraw(above: [String], below: [String], totalLabel: String) -> String {
        var out = ""
        if linesDrawn > 0 { out += "\u{1B}[\(linesDrawn)A" } // cursor up over the previous frame
        var lines: [String] = []
        var done: Int64 = 0
        var total: Int64 = 0
        var finished = 0
        for key in rows {
            guard let row = states[key] else { continue }
            if let t = row.total, t > 0 {
                done += row.current ?? 0
                total += t
            }
            if row.finished {
                finished += 1
            } else {
                lines.append(rowLine(key, row))
            }
        }
        let counted = states.values.contains { $0.finished } ? "\(finished)/\(rows.count) done" : ""
        if total > 0 || !counted.isEmpty {
            lines.append(totalLine(label: totalLabel, counted: counted, done: done, total: total))
        }
        let width = usable
        let drawn = above.flatMap { TerminalText.wrapped($0, width: width) } + lines + below.flatMap { TerminalText.wrapped($0, width: width) }
        for line in drawn { out += "\u{1B}[2K\(line)\n" }
        // Rows left over from a taller previous frame are cleared, not left stale.
        if drawn.count < linesDrawn { out += "\u{1B}[J" }
        linesDrawn = below.isEmpty ? lines.count : 0
        return out
    }

    /// `aaa: Downloading        [=====     ]  50%`, the bar shrunk (or dropped) to fit.
    private func rowLine(_ key: String, _ row: Row) -> String {
        // Statuses are padded to line the bars up, never truncated (that would cut a word).
        let status = row.status.count < 18 ? row.status.padding(toLength: 18, withPad: " ", startingAt: 0) : row.status
        let head = "\(key): \(status)"
        guard let fraction = row.fraction else { return TerminalText.clipped(head.trimmingCharacters(in: .whitespaces), to: usable) }
        let percent = String(format: "%3d%%", Int(fraction * 100))
        // "[" + bar + "] " + percent, after one space.
        let room = usable - TerminalText.displayWidth(head) - 1 - 3 - percent.count
        if room >= 5 {
            let barWidth = min(width, room)
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            return "\(head) [" + String(repeating: "=", count: filled) + String(repeating: " ", count: barWidth - filled) + "] " + percent
        }
        // Without a bar the percentage needs no column alignment.
        let bare = percent.trimmingCharacters(in: .whitespaces)
        let compact = "\(key): \(row.status) \(bare)"
        return TerminalText.displayWidth(compact) <= usable ? compact : TerminalText.clipped("\(key): \(bare) \(row.status)", to: usable)
    }

    /// `dev: 12.3 MB / 40.0 MB, 5.1 MB/s, ETA 6 s`: the parts that fit; speed and ETA count
    /// from the first frame with sizes, once half a second has passed.
    private mutating func totalLine(label: String, counted: String, done: Int64, total: Int64) -> String {
        let moment = now()
        if started == nil, total > 0 { started = (moment, done) }
        // Blobs mounted or already present carry no sizes: then only the count is shown.
        let sizes = total > 0 ? "\(TerminalText.bytes(done)) / \(TerminalText.bytes(total))" : ""
        var parts = ["\(label): " + [counted, sizes].filter { !$0.isEmpty }.joined(separator: ", ")]
        if let started, case let elapsed = moment.timeIntervalSince(started.at), elapsed >= 0.5, done > started.done {
            let speed = Double(done - started.done) / elapsed
            parts.append("\(TerminalText.bytes(Int64(speed)))/s")
            if total > done { parts.append("ETA \(TerminalText.duration(Double(total - done) / speed))") }
        }
        while parts.count > 1, TerminalText.displayWidth(parts.joined(separator: ", ")) > usable { parts.removeLast() }
        return TerminalText.clipped(parts.joined(separator: ", "), to: usable)
    }

    // MARK: JSON

    private struct PullLine: Encodable {
        let image: String
        let layer: String?
        let status: String
        let current: Int64?
        let total: Int64?
    }

    /// `{"event":"blob_finished","digest":"sha256:…","outcome":"uploaded","bytes":123}`.
    private struct TransferLine: Encodable {
        var event: String
        var digest: String
        var done: Int64?
        var total: Int64?
        var outcome: String?
        var bytes: Int64?
        var from: String?
        var reference: String?

        init(_ transfer: TransferEvent) {
            switch transfer {
            case let .blobStarted(digest, total):
                self.init(event: "blob_started", digest: digest.description, total: total)
            case let .blobProgress(digest, done, total):
                self.init(event: "blob_progress", digest: digest.description, done: done, total: total)
            case let .blobFinished(digest, outcome):
                self.init(event: "blob_finished", digest: digest.description)
                switch outcome {
                case let .pushed(.uploaded(bytes)): (self.outcome, self.bytes) = ("uploaded", bytes)
                case let .pushed(.mounted(from)): (self.outcome, self.from) = ("mounted", from.description)
                case .pushed(.existed): self.outcome = "existed"
                case let .downloaded(bytes): (self.outcome, self.bytes) = ("downloaded", bytes)
                case .alreadyPresent: self.outcome = "already_present"
                }
            case let .manifestPushed(digest, reference):
                self.init(event: "manifest_pushed", digest: digest.description, reference: reference)
            }
        }

        private init(event: String, digest: String, done: Int64? = nil, total: Int64? = nil, reference: String? = nil) {
            self.event = event
            self.digest = digest
            self.done = done
            self.total = total
            self.reference = reference
        }
    }

    private static func jsonLine<T: Encodable>(_ value: T) -> String {
        // One object per line whatever the width: never pretty-printed.
        guard let data = try? JSONCoding.encoder(.canonical).encode(value) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
