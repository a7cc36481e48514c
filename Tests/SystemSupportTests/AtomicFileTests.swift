import Foundation
import Testing

@testable import SystemSupport

@Suite("Atomic files and state files (real file system)")
struct AtomicFileTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func temporaries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.contains(".tmp-") }
    }

    /// A writer stopped between writing and renaming (the worst moment to crash) leaves the
    /// previous file whole, and another writer meanwhile neither fails nor deletes its file.
    @Test func aWriterStoppedBeforeRenameLeavesThePreviousFileAndOthersAlone() async throws {
        let target = directory.appendingPathComponent("images.json")
        try AtomicFile.write(Data("old".utf8), to: target)
        // The writer parks on a semaphore on a thread of its own; this test awaits its pause
        // (a stream, not a semaphore: a wait here would hold a cooperative-pool thread).
        let (paused, pause) = AsyncStream.makeStream(of: Void.self)
        let resume = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? AtomicFile.write(Data("new".utf8), to: target, mode: 0o644) { _ in
                pause.yield()
                resume.wait()
            }
            pause.finish() // a write that failed before its pause ends the wait instead of hanging it
        }
        writer.start()
        for await _ in paused { break }
        #expect(try Data(contentsOf: target) == Data("old".utf8), "the complete previous version until the rename")
        #expect(temporaries().count == 1)
        // A second writer (another process, in the field) while the first is in flight.
        try AtomicFile.write(Data("other".utf8), to: target)
        #expect(temporaries().count == 1, "a live writer's temporary file is not someone else's to delete")
        resume.signal()
        while !writer.isFinished { try await Task.sleep(for: .milliseconds(5)) }
        #expect(try Data(contentsOf: target) == Data("new".utf8))
        #expect(temporaries().isEmpty)
    }

    @Test func staleTemporariesAreCleanedAndModesHoldFromTheFirstByte() throws {
        let target = directory.appendingPathComponent("token")
        let stale = directory.appendingPathComponent(AtomicFile.temporaryPrefix(for: target) + "deadbeef")
        try Data("leftover".utf8).write(to: stale)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-AtomicFile.staleAge - 60)], ofItemAtPath: stale.path)
        let previous = umask(0)
        defer { umask(previous) }
        let modes = ModeLog()
        try AtomicFile.write(Data("secret".utf8), to: target, mode: 0o600) { temporary in
            modes.record((try? FileManager.default.attributesOfItem(atPath: temporary.path))?[.posixPermissions] as? Int)
        }
        #expect(modes.values == [0o600], "the temporary file is private before it holds the secret's final name")
        #expect((try FileManager.default.attributesOfItem(atPath: target.path))[.posixPermissions] as? Int == 0o600)
        #expect(temporaries().isEmpty, "a crashed writer's old leftover is removed")
    }

    @Test func errorsNameThePath() throws {
        let missing = directory.appendingPathComponent("no/such/dir/file.json")
        #expect {
            try AtomicFile.write(Data(), to: missing)
        } throws: { error in
            describe(error).contains(missing.deletingLastPathComponent().path) && describe(error).contains("No such file")
        }
    }

    /// Two processes' worth of concurrent read-modify-writes lose nothing.
    @Test func concurrentStateUpdatesKeepEveryChange() async throws {
        let file = JSONStateFile<[String: Int]>(directory.appendingPathComponent("state/records.json"), empty: { [:] })
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask { _ = try? file.update { $0["k\(index)"] = index } }
            }
        }
        let records = try file.read()
        #expect(records.count == 40)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("state").path)
        #expect(attributes[.posixPermissions] as? Int == 0o700)
    }

    @Test func unreadableStateNamesTheFileAndTheFix() throws {
        let url = directory.appendingPathComponent("broken.json")
        try Data("{not json".utf8).write(to: url)
        #expect {
            _ = try JSONStateFile<[String: Int]>(url, empty: { [:] }).read()
        } throws: { error in
            describe(error).contains(url.path) && describe(error).contains("delete it to start afresh")
        }
    }
}

private final class ModeLog: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var recorded: [Int?] = []
    func record(_ mode: Int?) { lock.withLock { recorded.append(mode) } }
    var values: [Int?] { lock.withLock { recorded } }
}
