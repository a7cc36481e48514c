import Foundation
import OCIDistribution
import Testing

@testable import TerminalProgress

@Suite("Pull progress rendering")
struct PullProgressRendererTests {
    let events: [PullEvent] = [
        PullEvent(layer: "aaa", status: "Pulling fs layer"),
        PullEvent(layer: "aaa", status: "Downloading", current: 100, total: 1000),
        PullEvent(layer: "aaa", status: "Downloading", current: 500, total: 1000),
        PullEvent(layer: "bbb", status: "Pulling fs layer"),
        PullEvent(layer: "aaa", status: "Pull complete"),
        PullEvent(status: "Status: Downloaded newer image"),
    ]

    @Test func plainPrintsOneLinePerStateChange() {
        var renderer = ProgressRenderer(style: .plain)
        let text = events.map { renderer.render($0, image: "img") }.joined()
        #expect(
            text == """
                img: aaa: Pulling fs layer
                img: aaa: Downloading (1.0 kB)
                img: bbb: Pulling fs layer
                img: aaa: Pull complete
                img: Status: Downloaded newer image

                """)
    }

    @Test func jsonPrintsEveryEventAsALine() throws {
        var renderer = ProgressRenderer(style: .json)
        let lines = events.map { renderer.render($0, image: "img") }.joined().split(separator: "\n")
        #expect(lines.count == events.count)
        let first = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        #expect(first?["layer"] as? String == "aaa")
        #expect(first?["current"] as? Int == 100)
        #expect(first?["total"] as? Int == 1000)
        #expect(first?["image"] as? String == "img")
    }

    @Test func ttyRedrawsInPlaceWithBarsAndTotal() {
        var renderer = ProgressRenderer(style: .tty, width: 10)
        _ = renderer.render(events[0], image: "img")
        let second = renderer.render(events[1], image: "img")
        // The first frame had one line; the second moves up over it and draws a bar and total.
        #expect(second.hasPrefix("\u{1B}[1A"))
        #expect(second.contains("aaa: Downloading        [=         ]  10%"))
        #expect(second.contains("img: 100 B / 1.0 kB"))
        let third = renderer.render(events[2], image: "img")
        #expect(third.hasPrefix("\u{1B}[2A"))
        #expect(third.contains("[=====     ]  50%"))
    }

    /// Sixteen layers of a 12-character ID (as Docker shows them) at a realistic speed.
    final class Clock: @unchecked Sendable {
        var time = Date(timeIntervalSince1970: 0)
    }

    static func frames(columns: Int, clock: Clock) -> [String] {
        var renderer = ProgressRenderer(style: .tty, columns: columns, now: { clock.time })
        var frames: [String] = []
        for step in 0...10 {
            clock.time = Date(timeIntervalSince1970: Double(step))
            for layer in 0..<4 {
                let id = String(format: "%012x", 0xabc000 + layer)
                frames.append(renderer.render(PullEvent(layer: id, status: "Downloading", current: Int64(step) * 1_000_000, total: 10_000_000), image: "dev"))
            }
        }
        frames.append(
            renderer.render(
                PullEvent(status: "Status: Downloaded newer image for ghcr.io/hyphagroup/oubliette-dev:latest and verified it"), image: "dev"))
        return frames
    }

    /// Every row drawn, without the escape sequences.
    static func rows(_ frame: String) -> [String] {
        frame.replacingOccurrences(of: "\u{1B}[2K", with: "")
            .replacingOccurrences(of: "\u{1B}\\[[0-9]+A", with: "", options: .regularExpression)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    @Test(arguments: [40, 50, 80])
    func ttyLinesFitTheTerminalAndTheFinalLineBreaksBetweenWords(columns: Int) {
        let frames = Self.frames(columns: columns, clock: Clock())
        for row in frames.flatMap(Self.rows) {
            #expect(row.count < columns, "a row wider than the terminal wraps and breaks the redraw: \(row.count) '\(row)'")
        }
        let lastFrame = Self.rows(frames[frames.count - 1])
        #expect(lastFrame.contains { $0.hasPrefix("dev: 40.0 MB / 40.0 MB") }, "the total line names the type: \(lastFrame)")
        let final = Array(lastFrame.drop { !$0.hasPrefix("dev: Status") })
        let words = "dev: Status: Downloaded newer image for ghcr.io/hyphagroup/oubliette-dev:latest and verified it"
        #expect(final.joined(separator: " ") == words, "the final message is whole, broken only between words: \(final)")
        let progress = Self.rows(frames[frames.count - 2])
        #expect(progress.contains { $0.contains("%") }, "\(progress)")
    }

    @Test func theTotalLineShowsSpeedAndETA() {
        let clock = Clock()
        let frames = Self.frames(columns: 80, clock: clock)
        // At step 5 of 10: 4 layers × 5 MB done of 40 MB in 5 s (4 MB/s), 20 MB left.
        let atFive = Self.rows(frames[5 * 4 + 3])
        #expect(atFive.last == "dev: 20.0 MB / 40.0 MB, 4.0 MB/s, ETA 5 s", "\(atFive)")
        // Narrow terminals drop ETA, then speed, before anything is cut.
        let narrow = Self.frames(columns: 36, clock: Clock())
        #expect(Self.rows(narrow[5 * 4 + 3]).last == "dev: 20.0 MB / 40.0 MB, 4.0 MB/s", "\(Self.rows(narrow[5 * 4 + 3]))")
        #expect(TerminalText.duration(185) == "3 min 5 s")
        #expect(TerminalText.clipped("Downloading newer image", to: 16) == "Downloading…")
        // A word longer than the line is shortened, never left for the terminal to break.
        #expect(TerminalText.wrapped("dev: Digest: sha256:0123456789abcdef0123456789abcdef", width: 20) == ["dev: Digest:", "sha256:0123456789ab…"])
    }

    @Test func automaticStyleFollowsTheTerminal() {
        #expect(ProgressStyle.automatic(isTerminal: true, environment: ["TERM": "xterm"]) == .tty)
        #expect(ProgressStyle.automatic(isTerminal: true, environment: ["TERM": "dumb"]) == .plain)
        #expect(ProgressStyle.automatic(isTerminal: false, environment: [:]) == .plain)
    }
}
