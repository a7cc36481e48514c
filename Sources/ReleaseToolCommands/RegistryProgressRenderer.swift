import CommandSupport
import Foundation
import OCIDistribution
import SystemSupport

/// Renders `TransferEvent`s on stderr: a single updating status line on a terminal, one plain
/// line per finished blob otherwise (CI logs).
final class RegistryProgressRenderer: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive: Bool
    private var totals: [Digest: Int64] = [:]
    private var done: [Digest: Int64] = [:]
    private var finished = 0
    private var lastDraw = Date.distantPast
    private var drewLine = false

    init(interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.interactive = interactive
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
            if !interactive { write("\(short(digest)): \(describe(outcome))\n") }
        case let .manifestPushed(digest, reference):
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
}
