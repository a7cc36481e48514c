import Foundation
import Testing

@testable import OublietteCore

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
        var renderer = PullProgressRenderer(style: .plain)
        let text = events.map { renderer.render($0, image: "img") }.joined()
        #expect(
            text == """
                img: aaa: Pulling fs layer
                img: aaa: Downloading (1.0 KB)
                img: bbb: Pulling fs layer
                img: aaa: Pull complete
                img: Status: Downloaded newer image

                """)
    }

    @Test func jsonPrintsEveryEventAsALine() throws {
        var renderer = PullProgressRenderer(style: .json)
        let lines = events.map { renderer.render($0, image: "img") }.joined().split(separator: "\n")
        #expect(lines.count == events.count)
        let first = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        #expect(first?["layer"] as? String == "aaa")
        #expect(first?["current"] as? Int == 100)
        #expect(first?["total"] as? Int == 1000)
        #expect(first?["image"] as? String == "img")
    }

    @Test func ttyRedrawsInPlaceWithBarsAndTotal() {
        var renderer = PullProgressRenderer(style: .tty, width: 10)
        _ = renderer.render(events[0], image: "img")
        let second = renderer.render(events[1], image: "img")
        // The first frame had one line; the second moves up over it and draws a bar and total.
        #expect(second.hasPrefix("\u{1B}[1A"))
        #expect(second.contains("aaa: Downloading        [=         ]  10%"))
        #expect(second.contains("total: 100 B / 1.0 KB"))
        let third = renderer.render(events[2], image: "img")
        #expect(third.hasPrefix("\u{1B}[2A"))
        #expect(third.contains("[=====     ]  50%"))
    }

    @Test func automaticStyleFollowsTheTerminal() {
        #expect(ProgressStyle.automatic(isTerminal: true, environment: ["TERM": "xterm"]) == .tty)
        #expect(ProgressStyle.automatic(isTerminal: true, environment: ["TERM": "dumb"]) == .plain)
        #expect(ProgressStyle.automatic(isTerminal: false, environment: [:]) == .plain)
    }
}
