import AsyncHTTPClient
import Foundation
import ImageInventory
import Testing

@Suite("Advisory exports: zip reading, --update-db against a local HTTP server")
struct AdvisoryDatabaseUpdateTests {
    @Test("zip members, stored and deflated, read back; a damaged member fails its CRC")
    func zip() throws {
        let members: [(name: String, data: Data)] = [("a.json", Data("{\"id\":\"A\"}".utf8)), ("dir/b.json", Data(repeating: 65, count: 10_000))]
        for deflate in [true, false] {
            let archive = try ZipArchive(data: ZipBuilder.archive(members, deflate: deflate), file: "t.zip")
            #expect(archive.members.map(\.name) == ["a.json", "dir/b.json"])
            #expect(try archive.contents(of: archive.members[1]) == members[1].data)
        }
        var damaged = ZipBuilder.archive(members, deflate: false)
        damaged[30 + 6 + 2] = UInt8(ascii: "X") // a byte inside a.json's stored data
        let archive = try ZipArchive(data: damaged, file: "t.zip")
        #expect(throws: InventoryError.self) { _ = try archive.contents(of: archive.members[0]) }
        #expect(throws: InventoryError.self) { _ = try ZipArchive(data: Data("not a zip".utf8), file: "t.zip") }
    }

    @Test("members whose data overlap are refused when the archive is opened (the zip-bomb shape)")
    func overlappingMembersAreRefused() throws {
        let members: [(name: String, data: Data)] = [("a.json", Data("{\"id\":\"A\"}".utf8)), ("b.json", Data("{\"id\":\"B\"}".utf8))]
        var bytes = ZipBuilder.archive(members, deflate: true)
        _ = try ZipArchive(data: bytes, file: "t.zip")
        // Point the second central-directory entry at the first member's local header.
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        let eocd = bytes.count - 22
        let directory = u32(eocd + 16)
        let first = directory + 46 + Int(bytes[directory + 28]) + Int(bytes[directory + 30]) + Int(bytes[directory + 32])
        for index in 0..<4 { bytes[first + 42 + index] = 0 }
        do {
            _ = try ZipArchive(data: bytes, file: "t.zip")
            Issue.record("an archive with overlapping members was accepted")
        } catch {
            #expect(error.description.contains("overlap"), "\(error)")
        }
    }

    @Test("a member that inflates past the size it declares stops there (the total budget counts declared sizes)")
    func memberInflatingPastItsDeclaredSizeStops() throws {
        // 8 MiB of zeros deflates to ~8 KB; the directory then claims it is 10 bytes.
        var bytes = ZipBuilder.archive([("a.json", Data(count: 8 << 20))], deflate: true)
        let directory = bytes.count - 22 - 46 - 6
        #expect(bytes[directory..<directory + 4] == Data([0x50, 0x4b, 0x01, 0x02]))
        bytes.replaceSubrange((directory + 24)..<(directory + 28), with: [10, 0, 0, 0])
        let archive = try ZipArchive(data: bytes, file: "t.zip")
        #expect(archive.members.first?.uncompressedSize == 10)
        do {
            _ = try archive.contents(of: archive.members[0])
            Issue.record("a member inflating past its declared size was read whole")
        } catch {
            #expect(error.description.contains("inflates past its declared size"), "\(error)")
        }
    }

    @Test("checking an export has a time limit, and the error names it")
    func checkingHasATimeLimit() async throws {
        let server = try await StaticHTTPServer.start()
        let root = try TestLayout.temporaryDirectory("osvdb-time")
        defer { try? FileManager.default.removeItem(at: root) }
        server.set("/Debian/all.zip", try ZipBuilder.fixtureExport("Debian"))
        let updater = AdvisoryDatabaseUpdater(httpClient: HTTPClient.shared, timeout: .seconds(30), checkDuration: .zero)
        do {
            _ = try await updater.update(directory: root.appendingPathComponent("db"), urls: [server.url("/Debian/all.zip")])
            Issue.record("the check ran past its time limit")
        } catch {
            #expect("\(error)".contains("took longer than 0 s, the limit"), "\(error)")
        }
        await server.shutdown()
    }

    @Test("progress: connecting, downloading with the announced size, checking, done")
    func progressIsReported() async throws {
        final class Phases: @unchecked Sendable {
            // @unchecked: every access goes through `lock`.
            let lock = NSLock()
            var seen: [AdvisoryDatabaseUpdater.Progress] = []
        }
        let phases = Phases()
        let server = try await StaticHTTPServer.start()
        let root = try TestLayout.temporaryDirectory("osvdb-progress")
        defer { try? FileManager.default.removeItem(at: root) }
        let export = try ZipBuilder.fixtureExport("Debian")
        server.set("/Debian/all.zip", export)
        let updater = AdvisoryDatabaseUpdater(httpClient: HTTPClient.shared, timeout: .seconds(30)) { progress in
            phases.lock.withLock { phases.seen.append(progress) }
        }
        _ = try await updater.update(directory: root.appendingPathComponent("db"), urls: [server.url("/Debian/all.zip")])
        await server.shutdown()
        let seen = phases.lock.withLock { phases.seen }
        #expect(seen.first?.phase == .connecting)
        #expect(
            seen.last
                == AdvisoryDatabaseUpdater.Progress(
                    name: "Debian", url: server.url("/Debian/all.zip"), phase: .done, received: Int64(export.count), total: Int64(export.count)))
        #expect(seen.contains { $0.phase == .downloading && $0.total == Int64(export.count) })
        #expect(seen.contains { $0.phase == .checking })
    }

    @Test("update downloads, unpacks and swaps in; a failed update keeps the old database whole")
    func update() async throws {
        let server = try await StaticHTTPServer.start()
        let root = try TestLayout.temporaryDirectory("osvdb")
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("db")
        server.set("/Debian/all.zip", try ZipBuilder.fixtureExport("Debian"))
        server.set("/Alpine/all.zip", try ZipBuilder.fixtureExport("Alpine"))
        let updater = AdvisoryDatabaseUpdater(httpClient: HTTPClient.shared, timeout: .seconds(30))
        let urls = [server.url("/Debian/all.zip"), server.url("/Alpine/all.zip")]
        let fixed = Date(timeIntervalSince1970: 1_800_000_000)
        do {
            let metadata = try await updater.update(directory: database, urls: urls, now: fixed)
            #expect(metadata.sources.map(\.directory) == ["Debian", "Alpine"])
            #expect(metadata.sources.map(\.records) == [14, 3])
            let loaded = try AdvisoryDatabase.load(directory: database)
            #expect(loaded.advisories.count == 16)
            #expect(loaded.withdrawnCount == 1)
            #expect(loaded.metadata?.updated == fixed)

            // The second source now fails: nothing may change.
            server.set("/Alpine/all.zip", status: 503, Data("down".utf8))
            await #expect(throws: InventoryError.self) { _ = try await updater.update(directory: database, urls: urls) }
            server.set("/Alpine/all.zip", Data(try ZipBuilder.fixtureExport("Alpine").prefix(200)))
            await #expect(throws: InventoryError.self) { _ = try await updater.update(directory: database, urls: urls) }
            let after = try AdvisoryDatabase.load(directory: database)
            #expect(after.advisories.count == 16)
            #expect(after.metadata?.updated == fixed)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path)
            #expect(leftovers == ["db"], "no staging directories left behind")
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}
