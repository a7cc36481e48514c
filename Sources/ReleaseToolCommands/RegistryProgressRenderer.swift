import CommandSupport
import Foundation
import OCIDistribution
import SystemSupport

/// Renders `TransferEvent`s on stderr: a single updating status line on a terminal (`tty`),
/// one plain line per finished blob (`plain`, CI logs), or one JSON object per finished blob
/// and pushed manifest (`json`).
final class RegistryProgressRenderer: @unchecked Sendable {
    enum Style: Sendable, Equatable { case tty, plain, json }

    private let lock = NSLock()
    private let style: Style
    private var interactive: Bool { style == .tty }
    private var totals: [Digest: Int64] = [:]
    private var done: [Digest: Int64] = [:]
    private var finished = 0
    private var lastDraw = Date.distantPast
    private var drewLine = false

    init(style: Style) {
        self.style = style
    }

    /// `--progress`: `auto` is `tty` on a terminal, `plain` otherwise.
    convenience init(_ option: ProgressOption) {
        switch option {
        case .auto: self.init(style: isatty(STDERR_FILENO) == 1 ? .tty : .plain)
        case .tty: self.init(style: .tty)
        case .plain: self.init(style: .plain)
        case .json: self.init(style: .json)
        }
    }

    var handler: TransferProgressHandler { { [self] event in handle(event) } }

    func handle(_ event: TransferEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .blobStarted(digest, total):
            if let total { totals[digest] = total }
            done[digest] = done[digest] ?? 0
        case let .blobProgress(digest, bytes, total):
            if let total { totals[digest] = total }
            done[digest] = bytes
        case let .blobFinished(digest, outcome):
            finished += 1
            if let total = totals[digest] { done[digest] = total }
            switch style {
            case .plain: write("\(short(digest)): \(describe(outcome))\n")
            case .json: writeJSON(["event": "blobFinished", "digest": digest.description, "outcome": describe(outcome)])
            case .tty: break
            }
        case let .manifestPushed(digest, reference):
            if style == .json {
                writeJSON(["event": "manifestPushed", "digest": digest.description, "reference": reference])
                return
            }
            if interactive { clearLine() }
            write("wrote manifest \(digest) to \(reference)\n")
            return
        }
        guard interactive else { return }
        let now = Date()
        if case .blobProgress = event, now.timeIntervalSince(lastDraw) < 0.1 { return }
        lastDraw = now
        let sent = done.values.reduce(0, +), total = totals.values.reduce(0, +)
        write("\r\u{1B}[2Kblobs \(finished)/\(done.count)  \(Self.mebibytes(sent)) / \(Self.mebibytes(total))")
        drewLine = true
    }

    /// Ends the status line so following output starts on a fresh line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if interactive { clearLine() }
    }

    private func clearLine() {
        if drewLine { write("\r\u{1B}[2K") }
        drewLine = false
    }

    private func short(_ digest: Digest) -> String { "\(digest.algorithm):\(digest.encoded.prefix(12))" }

    private func describe(_ outcome: BlobTransferOutcome) -> String {
        switch outcome {
        case let .pushed(.uploaded(bytes)): return "uploaded \(Self.mebibytes(bytes))"
        case let .pushed(.mounted(from)): return "mounted from \(from)"
        case .pushed(.existed): return "already in the registry"
        case let .downloaded(bytes): return "downloaded \(Self.mebibytes(bytes))"
        case .alreadyPresent: return "already present"
        }
    }

    static func mebibytes(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    private func write(_ text: String) { Output.standardError(text) }

    /// One line of JSON (keys sorted) per event.
    private func writeJSON(_ fields: [String: String]) {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }
}
