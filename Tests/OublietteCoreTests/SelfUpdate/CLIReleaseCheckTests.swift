import Foundation
import OublietteCore
import Testing

/// `oubliette status`'s CLI line: the newest release asked at most once a day, no long wait
/// offline, and a note naming the command that brings CLI and images together.
@Suite("CLI release check")
struct CLIReleaseCheckTests {
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.lock(); value += 1; lock.unlock() }
        var count: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var time = Date(timeIntervalSince1970: 1_800_000_000)
        func advance(_ seconds: TimeInterval) { lock.lock(); time += seconds; lock.unlock() }
        var now: Date { lock.lock(); defer { lock.unlock() }; return time }
    }

    func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cli-check-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func asksAtMostOnceADay() async throws {
        let data = try directory()
        defer { try? FileManager.default.removeItem(at: data) }
        let asked = Counter(), clock = Clock()
        let lookup: CLIReleaseCheck.Lookup = { _ in
            asked.increment(); return "2.0.0"
        }
        let check = CLIReleaseCheck(dataDirectory: data, lookup: lookup, now: { clock.now })
        #expect(await check.latest(deadline: .seconds(3)) == ("2.0.0", nil))
        clock.advance(3600)
        // A second process (a new actor over the same file) also sees the stamp.
        let again = CLIReleaseCheck(dataDirectory: data, lookup: lookup, now: { clock.now })
        #expect(await again.latest(deadline: .seconds(3)) == ("2.0.0", nil))
        #expect(asked.count == 1)
        clock.advance(86_400)
        _ = await again.latest(deadline: .seconds(3))
        #expect(asked.count == 2)
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("cli-release-check.json").path))
    }

    @Test func offlineAnswersWithinTheDeadlineAndKeepsTheLastKnownRelease() async throws {
        let data = try directory()
        defer { try? FileManager.default.removeItem(at: data) }
        let clock = Clock()
        let first = CLIReleaseCheck(dataDirectory: data, lookup: { _ in "1.5.0" }, now: { clock.now })
        _ = await first.latest(deadline: .seconds(3))
        clock.advance(2 * 86_400)
        // A lookup that never answers: only the deadline ends the wait.
        let hanging = CLIReleaseCheck(
            dataDirectory: data,
            lookup: { _ in
                try await Task.sleep(for: .seconds(3600)); return nil
            },
            now: { clock.now })
        let started = ContinuousClock.now
        let (latest, error) = await hanging.latest(deadline: .milliseconds(200))
        // The lookup would hang for an hour; the 200 ms deadline ends it (loose for shared cores).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(latest == "1.5.0")
        #expect(error?.hasPrefix("offline") == true)
    }

    @Test func statusNamesTheCommandThatBringsCLIAndImagesTogether() {
        let cli = CLIStatus(
            version: "1.2.0", latest: "1.3.0", checkError: nil,
            imageVersions: [("base", "1.3.0"), ("python", "v1.1.0"), ("go", "1.2.0"), ("dev", nil)])
        #expect(cli.updateAvailable)
        #expect(cli.versionNotes.count == 2)
        #expect(cli.versionNotes.first { $0.hasPrefix("base:") }?.contains("oubliette self-update") == true, "\(cli.versionNotes)")
        #expect(cli.versionNotes.first { $0.hasPrefix("python:") }?.contains("oubliette update --type python") == true, "\(cli.versionNotes)")
        let current = CLIStatus(version: "1.3.0", latest: "1.3.0", checkError: nil, imageVersions: [])
        #expect(!current.updateAvailable)
        // A development build is compatible with every image and is never told to update.
        let development = CLIStatus(version: "0.0.0-dev+abc", latest: "1.3.0", checkError: nil, imageVersions: [("base", "1.3.0")])
        #expect(!development.updateAvailable && development.versionNotes.isEmpty)
    }
}
