import Foundation
import SystemSupport
import Testing

@Suite("Temporary directories (real file system)")
struct TemporaryDirectoryTests {
    struct Planned: Error {}

    func mode(_ url: URL) throws -> Int? { try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int }

    func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    @Test func itIsPrivateFreshAndRemovedAfterSuccessWithItsContent() throws {
        let seen = try withTemporaryDirectory(prefix: "tempdir-test-") { directory in
            #expect(try mode(directory) == 0o700)
            #expect(directory.lastPathComponent.hasPrefix("tempdir-test-") && directory.lastPathComponent.count == "tempdir-test-".count + 6)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("nested"), withIntermediateDirectories: false)
            try Data("x".utf8).write(to: directory.appendingPathComponent("nested/file"))
            return directory
        }
        #expect(!exists(seen))
    }

    @Test func itIsRemovedAfterAThrownError() throws {
        let seen = Box()
        #expect(throws: Planned.self) {
            try withTemporaryDirectory(prefix: "tempdir-test-") { directory in
                seen.url = directory
                try Data("x".utf8).write(to: directory.appendingPathComponent("file"))
                throw Planned()
            }
        }
        let directory = try #require(seen.url)
        #expect(!exists(directory))
    }

    @Test func theAsyncFormIsRemovedAfterSuccessAndAfterAThrownError() async throws {
        let kept = try await withTemporaryDirectory(prefix: "tempdir-test-") { directory in
            try await Task.sleep(for: .milliseconds(1))
            #expect(try mode(directory) == 0o700)
            return directory
        }
        #expect(!exists(kept))
        let seen = Box()
        await #expect(throws: Planned.self) {
            try await withTemporaryDirectory(prefix: "tempdir-test-") { directory in
                seen.url = directory
                try await Task.sleep(for: .milliseconds(1))
                throw Planned()
            }
        }
        let directory = try #require(seen.url)
        #expect(!exists(directory))
    }

    @Test func twoDirectoriesWithOnePrefixAreDistinctAndAMissingParentIsAnError() throws {
        let parent = try TemporaryDirectory.create(prefix: "tempdir-parent-")
        defer { TemporaryDirectory.remove(parent) }
        let first = try TemporaryDirectory.create(in: parent, prefix: ".scratch-")
        let second = try TemporaryDirectory.create(in: parent, prefix: ".scratch-")
        #expect(first != second && first.deletingLastPathComponent().path == parent.path)
        #expect(throws: FileError.self) { try TemporaryDirectory.create(in: parent.appendingPathComponent("missing"), prefix: "x-") }
    }

    /// Where a closure puts the directory it was given, for the checks after it returned.
    final class Box: @unchecked Sendable {
        var url: URL?
    }
}
