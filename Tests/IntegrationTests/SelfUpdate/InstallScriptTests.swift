import Foundation
import Testing

/// scripts/install.sh against the same fake releases API: it installs the latest stable or
/// the asked-for release after verifying it, and installs nothing when verification fails.
@Suite("install.sh")
struct InstallScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/install.sh")

    func install(_ arguments: [String], server: FakeReleaseServer, prefix: URL) throws -> ToolResult {
        // dash, where present, keeps the script honest about being POSIX sh.
        let shell = FileManager.default.isExecutableFile(atPath: "/usr/bin/dash") ? "/usr/bin/dash" : "/bin/sh"
        return try ToolRunner.run(
            shell, [Self.script.path] + arguments + ["--prefix", prefix.path],
            environment: ["OUBLIETTE_RELEASES_URL": server.baseURL], check: false, timeout: 120)
    }

    func withServer(_ releases: [ReleaseFixture.Release], _ body: (FakeReleaseServer, URL) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-sh-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let fixture = try ReleaseFixture(releases, scratch: root)
        let box = FixtureBox()
        let server = try await FakeReleaseServer.start { path in box.reply(path) }
        box.set { path in fixture.reply(path: path, baseURL: server.baseURL) }
        do {
            try await body(server, root.appendingPathComponent("prefix"))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func installsTheLatestStableRelease() async throws {
        try await withServer([SelfUpdateTests.older, SelfUpdateTests.stable, SelfUpdateTests.candidate]) { server, prefix in
            let result = try install([], server: server, prefix: prefix)
            #expect(result.status == 0, "\(result.stderr)")
            let installed = prefix.appendingPathComponent("bin/oubliette")
            #expect(try ToolRunner.run(installed.path, ["--version"]).trimmedStdout == "9.9.9")
            #expect(server.requestedPaths.contains("/releases/latest"))
            let entries = try FileManager.default.contentsOfDirectory(atPath: prefix.appendingPathComponent("bin").path)
            #expect(entries == ["oubliette"], "no staging file is left: \(entries)")
            // Completions and the man page, written by the installed binary itself.
            let share = prefix.appendingPathComponent("share")
            for (file, text) in [
                ("bash-completion/completions/oubliette", "# 9.9.9 completion for bash"),
                ("zsh/site-functions/_oubliette", "# 9.9.9 completion for zsh"),
                ("fish/vendor_completions.d/oubliette.fish", "# 9.9.9 completion for fish"),
                ("man/man1/oubliette.1", #".TH OUBLIETTE 1 "" "oubliette 9.9.9""#),
            ] {
                let written = try? String(contentsOf: share.appendingPathComponent(file), encoding: .utf8)
                #expect(written?.trimmingCharacters(in: .newlines) == text, "\(file): \(written ?? "missing"); \(result.stderr)")
            }
        }
    }

    @Test("as root: a directory others can write is refused; a symlink at the target is replaced, never followed")
    func rootInstallsOnlyIntoSafeDirectories() async throws {
        try #require(getuid() == 0, "runs as root (CI does)")
        try await withServer([SelfUpdateTests.stable]) { server, prefix in
            let bindir = prefix.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bindir, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: bindir.path)
            let refused = try install([], server: server, prefix: prefix)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("writable by other users"), "\(refused.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: bindir.path).isEmpty)

            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bindir.path)
            let victim = prefix.appendingPathComponent("victim")
            try Data("keep me".utf8).write(to: victim)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: victim.path)
            try FileManager.default.createSymbolicLink(at: bindir.appendingPathComponent("oubliette"), withDestinationURL: victim)
            let installed = try install([], server: server, prefix: prefix)
            #expect(installed.status == 0, "\(installed.stderr)")
            #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me")
            #expect((try FileManager.default.attributesOfItem(atPath: victim.path)[.posixPermissions] as? Int) == 0o600)
            #expect(
                (try FileManager.default.attributesOfItem(atPath: bindir.appendingPathComponent("oubliette").path)[.type] as? FileAttributeType) == .typeRegular
            )
            #expect(try FileManager.default.contentsOfDirectory(atPath: bindir.path) == ["oubliette"])
        }
    }

    @Test func installsAGivenVersion() async throws {
        try await withServer([SelfUpdateTests.older, SelfUpdateTests.stable, SelfUpdateTests.candidate]) { server, prefix in
            let result = try install(["--version", "10.0.0-rc.1"], server: server, prefix: prefix)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try ToolRunner.run(prefix.appendingPathComponent("bin/oubliette").path, ["--version"]).trimmedStdout == "10.0.0-rc.1")
            let missing = try install(["--version", "5.5.5"], server: server, prefix: prefix)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("cannot read"), "\(missing.stderr)")
        }
    }

    @Test(arguments: [
        (ReleaseFixture.Release(version: "9.9.9", wrongChecksum: true), "SHA256SUMS says"),
        (ReleaseFixture.Release(version: "9.9.9", truncated: true), "truncated"),
    ])
    func refusesABadDownload(_ release: ReleaseFixture.Release, message: String) async throws {
        try await withServer([release]) { server, prefix in
            let result = try install([], server: server, prefix: prefix)
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: prefix.appendingPathComponent("bin/oubliette").path))
        }
    }
}
