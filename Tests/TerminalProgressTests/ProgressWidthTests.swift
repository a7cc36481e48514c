import Foundation
import OCIDistribution
import Testing

@testable import TerminalProgress

/// The one renderer at narrow, usual and wide terminals, for both kinds of events: an
/// engine's pull and the registry client's blob transfers.
@Suite("Progress rendering at 40, 80 and 200 columns")
struct ProgressWidthTests {
    final class Clock: @unchecked Sendable {
        var time = Date(timeIntervalSince1970: 0)
    }

    static let longStatus = "Verifying the checksum of the downloaded layer against its manifest entry"

    static func pullEvents() -> [PullEvent] {
        var events: [PullEvent] = []
        for step in 0...4 {
            for layer in 0..<3 {
                let id = String(format: "%012x", 0xdef000 + layer)
                events.append(PullEvent(layer: id, status: step == 4 ? longStatus : "Downloading", current: Int64(step) * 2_500_000, total: 10_000_000))
            }
        }
        events.append(PullEvent(status: "Status: Downloaded newer image for ghcr.io/hyphagroup/oubliette-dev:latest and verified it"))
        return events
    }

    static func digest(_ n: Int) throws -> Digest {
        try Digest("sha256:" + String(repeating: String(n), count: 64))
    }

    static func transferEvents() throws -> [TransferEvent] {
        let blobs = try (1...3).map(digest)
        var events: [TransferEvent] = blobs.map { .blobStarted(digest: $0, total: 2_000_000) }
        for done in stride(from: 500_000, through: 2_000_000, by: 500_000) {
            events += blobs.map { .blobProgress(digest: $0, done: Int64(done), total: 2_000_000) }
        }
        events.append(.blobFinished(digest: blobs[0], outcome: .pushed(.uploaded(bytes: 2_000_000))))
        events.append(.blobFinished(digest: blobs[1], outcome: .pushed(.mounted(from: "hyphagroup/a-rather-long-source-repository"))))
        events.append(.blobFinished(digest: blobs[2], outcome: .downloaded(bytes: 2_000_000)))
        events.append(.manifestPushed(digest: try digest(9), reference: "ghcr.io/hyphagroup/oubliette-dev:1.2.3"))
        return events
    }

    /// Every row a frame draws, without the escape sequences.
    static func rows(_ frame: String) -> [String] {
        frame.replacingOccurrences(of: "\u{1B}[2K", with: "").replacingOccurrences(of: "\u{1B}[J", with: "")
            .replacingOccurrences(of: "\u{1B}\\[[0-9]+A", with: "", options: .regularExpression)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Renders with a clock that moves 0.2 s per event (past the transfer redraw interval).
    static func tty(columns: Int, pull: [PullEvent] = [], transfer: [TransferEvent] = []) -> [String] {
        let clock = Clock()
        var renderer = ProgressRenderer(style: .tty, columns: columns, now: { clock.time })
        var frames: [String] = []
        for event in pull {
            clock.time += 0.2
            frames.append(renderer.render(event, image: "dev"))
        }
        for event in transfer {
            clock.time += 0.2
            frames.append(renderer.render(event))
        }
        frames.append(renderer.finish())
        return frames
    }

    /// A row cut with "…" kept whole words: what precedes the ellipsis is a prefix of one of
    /// the texts that ends where a word ends (or is one word too long for the row).
    static func cutBetweenWords(_ row: String, of texts: [String]) -> Bool {
        guard row.hasSuffix("…") else { return true }
        let kept = String(row.dropLast())
        return texts.contains { text in
            guard text.hasPrefix(kept), kept.count < text.count else { return false }
            let next = text[text.index(text.startIndex, offsetBy: kept.count)]
            return next == " " || !kept.contains(" ")
        }
    }

    @Test(arguments: [40, 80, 200])
    func pullRowsFitAndAreCutBetweenWords(columns: Int) {
        let events = Self.pullEvents()
        let rows = Self.tty(columns: columns, pull: events).flatMap(Self.rows)
        for row in rows {
            #expect(TerminalText.displayWidth(row) < columns, "a row as wide as the terminal wraps: \(row.count) '\(row)'")
        }
        let texts = events.map { "\($0.layer.map { "\($0): " } ?? "dev: ")\($0.status)" }
        for row in rows where row.hasSuffix("…") {
            // A narrow row puts the percentage before the status; the words are what counts.
            let words = row.replacingOccurrences(of: " [0-9]+%", with: "", options: .regularExpression)
            #expect(Self.cutBetweenWords(words, of: texts), "cut mid-word: '\(row)'")
        }
        // The long status is whole at 200 columns and cut with an ellipsis at 40.
        let long = rows.filter { $0.contains("Verifying") }
        #expect(!long.isEmpty)
        if columns == 40 { #expect(long.allSatisfy { $0.hasSuffix("…") }, "\(long)") }
        if columns == 200 { #expect(long.allSatisfy { $0.contains(Self.longStatus) }, "\(long)") }
        // The closing message is final output: whole, broken only between words.
        let final = rows.drop { !$0.hasPrefix("dev: Status") }
        #expect(final.joined(separator: " ") == "dev: " + (events.last?.status ?? ""), "\(Array(final))")
    }

    @Test(arguments: [40, 80, 200])
    func transferRowsFitAndFinishedBlobsStay(columns: Int) throws {
        let events = try Self.transferEvents()
        let frames = Self.tty(columns: columns, transfer: events)
        let rows = frames.flatMap(Self.rows)
        for row in rows {
            #expect(TerminalText.displayWidth(row) < columns, "a row as wide as the terminal wraps: \(row.count) '\(row)'")
        }
        // A blob in flight has a bar; the total row counts bytes and finished blobs.
        #expect(rows.contains { $0.hasPrefix("sha256:111111111111: Transferring") && $0.contains("%") }, "\(rows)")
        // Too narrow for a bar: status and percentage, without the bar's alignment padding.
        if columns == 40 { #expect(rows.contains("sha256:111111111111: Transferring 25%"), "\(rows)") }
        #expect(rows.contains { $0.hasPrefix("blobs: 3/3 done, 6.0 MB / 6.0 MB") }, "\(rows)")
        #expect(rows.contains("sha256:111111111111: uploaded 2.0 MB"), "\(rows)")
        #expect(rows.contains("sha256:333333333333: downloaded 2.0 MB"), "\(rows)")
        let manifest = "wrote manifest sha256:\(String(repeating: "9", count: 64)) to ghcr.io/hyphagroup/oubliette-dev:1.2.3"
        let mounted = "sha256:222222222222: mounted from hyphagroup/a-rather-long-source-repository"
        // Final lines are broken between words; a word wider than the row (a digest) is shortened.
        let words = (manifest + " " + mounted).split(separator: " ").map(String.init)
        for row in rows where row.hasSuffix("…") {
            #expect(Self.cutBetweenWords(row, of: words + [manifest, mounted]), "cut mid-word: '\(row)'")
        }
        if columns >= 200 {
            #expect(rows.contains(manifest) && rows.contains(mounted), "\(rows)")
            return
        }
        let start = try #require(rows.firstIndex(of: "wrote manifest"), "\(rows)")
        let end = try #require(rows[start...].firstIndex { $0.hasSuffix("oubliette-dev:1.2.3") }, "\(rows)")
        let block = rows[start...end]
        if columns == 80 {
            #expect(block.joined(separator: " ") == manifest, "\(Array(block))")
        } else {
            #expect(rows[start + 1].hasPrefix("sha256:9999") && rows[start + 1].hasSuffix("…"), "\(Array(block))")
            #expect(block.joined(separator: " ").hasSuffix(" to ghcr.io/hyphagroup/oubliette-dev:1.2.3"), "\(Array(block))")
        }
    }

    @Test(arguments: [40, 80, 200])
    func jsonIsOneObjectPerEventWhateverTheWidth(columns: Int) throws {
        let pulls = Self.pullEvents()
        let transfers = try Self.transferEvents()
        var renderer = ProgressRenderer(style: .json, columns: columns)
        let text = pulls.map { renderer.render($0, image: "dev") }.joined() + transfers.map { renderer.render($0) }.joined()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == pulls.count + transfers.count)
        for line in lines {
            #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any], "\(line)")
        }
        let finished = try #require(try JSONSerialization.jsonObject(with: Data(lines[pulls.count + transfers.count - 4].utf8)) as? [String: Any])
        #expect(finished["event"] as? String == "blob_finished")
        #expect(finished["outcome"] as? String == "uploaded")
        #expect(finished["bytes"] as? Int == 2_000_000)
        #expect(finished["digest"] as? String == "sha256:" + String(repeating: "1", count: 64))
    }

    @Test func plainTransferLinesAreOnePerFinishedBlob() throws {
        var renderer = ProgressRenderer(style: .plain, columns: 40)
        let text = try Self.transferEvents().map { renderer.render($0) }.joined()
        #expect(
            text == """
                sha256:111111111111: uploaded 2.0 MB
                sha256:222222222222: mounted from hyphagroup/a-rather-long-source-repository
                sha256:333333333333: downloaded 2.0 MB
                wrote manifest sha256:\(String(repeating: "9", count: 64)) to ghcr.io/hyphagroup/oubliette-dev:1.2.3

                """)
    }

    @Test func transferProgressIsRedrawnAtMostTenTimesASecond() throws {
        let clock = Clock()
        var renderer = ProgressRenderer(style: .tty, columns: 80, now: { clock.time })
        let blob = try Self.digest(1)
        #expect(!renderer.render(.blobStarted(digest: blob, total: 1000)).isEmpty)
        clock.time += 0.01
        #expect(renderer.render(.blobProgress(digest: blob, done: 100, total: 1000)).isEmpty, "within 0.1 s of the last frame")
        clock.time += 0.2
        let frame = renderer.render(.blobProgress(digest: blob, done: 500, total: 1000))
        #expect(frame.contains(" 50%"), "the state kept in between is drawn: \(frame)")
        // A finished blob is always shown at once.
        clock.time += 0.01
        #expect(renderer.render(.blobFinished(digest: blob, outcome: .pushed(.existed))).contains("already in the registry"))
    }

    @Test func blobsWithoutSizesAreCountedWithoutZeroBytes() throws {
        var renderer = ProgressRenderer(style: .tty, columns: 80)
        // Mounted and already-present blobs finish without ever starting: no sizes to add up.
        _ = renderer.render(.blobFinished(digest: try Self.digest(1), outcome: .pushed(.mounted(from: "fixtures/busybox"))))
        let rows = Self.rows(renderer.render(.blobFinished(digest: try Self.digest(2), outcome: .alreadyPresent)))
        #expect(rows == ["sha256:222222222222: already present", "blobs: 2/2 done"], "\(rows)")
    }

    @Test func unitsAreDecimalAsDockerShows() {
        #expect(TerminalText.bytes(999) == "999 B")
        #expect(TerminalText.bytes(1_500) == "1.5 kB")
        #expect(TerminalText.bytes(12_300_000) == "12.3 MB")
        #expect(TerminalText.bytes(4_000_000_000) == "4.0 GB")
    }

    @Test func clippingMeasuresDisplayWidth() {
        // Wide characters take two columns: six of them are twelve.
        #expect(TerminalText.displayWidth("镜像拉取完成") == 12)
        let clipped = TerminalText.clipped("镜像 拉取完成 abc", to: 10)
        #expect(clipped == "镜像…" && TerminalText.displayWidth(clipped) <= 10, "\(clipped)")
    }
}
