import Foundation
import Testing

/// scripts/install.sh against the same fake releases API: it installs the latest stable or
/// the asked-for release after verifying it, and installs nothing when verification fails.
@Suite("install.sh")
struct InstallScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/install.sh")

    func install(_ arguments: [String], server: FakeReleaseServer, prefix: URL, environment: [String: String] = [:]) async throws -> ToolResult {
        // dash, where present, keeps the script honest about being POSIX sh.
        let shell = FileManager.default.isExecutableFile(atPath: "/usr/bin/dash") ? "/usr/bin/dash" : "/bin/sh"
        return try await ToolRunner.run(
            shell, [Self.script.path] + arguments + ["--prefix", prefix.path],
            environment: ["OUBLIETTE_RELEASES_URL": server.baseURL].merging(environment) { $1 }, check: false, timeout: 120)
    }

    /// The tools install.sh uses, each linked into `bin`, so PATH can hold exactly them and the
    /// fakes: whether gh or cosign is "installed" is up to the test, not the machine.
    static let tools = [
        "curl", "wget", "sha256sum", "shasum", "tar", "gzip", "mktemp", "tr", "sed", "grep", "head", "awk", "cut", "mkdir", "id", "find",
        "cat", "chmod", "mv", "rm", "dirname", "uname", "timeout", "basename", "cp", "sh",
    ]

    /// A PATH of the needed tools plus fake `verifiers` (gh, cosign) that append their name and
    /// arguments to `log`, keep a copy of the `--bundle` file as `log.bundle`, and exit with
    /// $FAKE_STATUS.
    static func path(in root: URL, verifiers: [String], log: URL) throws -> String {
        let bin = root.appendingPathComponent("tools-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let searched = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for tool in tools {
            guard let found = searched.map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { continue }
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(tool).path, withDestinationPath: found)
        }
        let fake = """
            #!/bin/sh
            printf '%s\\n' "$(basename "$0") $*" >> "\(log.path)"
            previous=""
            for argument in "$@"; do
              if [ "$previous" = --bundle ]; then cp "$argument" "\(log.path).bundle"; fi
              previous=$argument
            done
            exit "${FAKE_STATUS:-0}"

            """
        for verifier in verifiers {
            let file = bin.appendingPathComponent(verifier)
            try Data(fake.utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }
        return bin.path
    }

    func withServer(_ releases: [ReleaseFixture.Release], _ body: (FakeReleaseServer, URL) async throws -> Void) async throws {
        try await withFixture(releases) { server, prefix, _ in try await body(server, prefix) }
    }

    func withFixture(_ releases: [ReleaseFixture.Release], _ body: (FakeReleaseServer, URL, ReleaseFixture) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("install-sh-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let fixture = try await ReleaseFixture(releases, scratch: root)
        let box = FixtureBox()
        let server = try await FakeReleaseServer.start { path in box.reply(path) }
        box.set { path in fixture.reply(path: path, baseURL: server.baseURL) }
        do {
            try await body(server, root.appendingPathComponent("prefix"), fixture)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func installsTheLatestStableRelease() async throws {
        try await withServer([SelfUpdateTests.older, SelfUpdateTests.stable, SelfUpdateTests.candidate]) { server, prefix in
            let result = try await install([], server: server, prefix: prefix)
            #expect(result.status == 0, "\(result.stderr)")
            let installed = prefix.appendingPathComponent("bin/oubliette")
            #expect(try await ToolRunner.run(installed.path, ["--version"]).trimmedStdout == "9.9.9")
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
            let refused = try await install([], server: server, prefix: prefix)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("writable by other users"), "\(refused.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: bindir.path).isEmpty)

            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bindir.path)
            let victim = prefix.appendingPathComponent("victim")
            try Data("keep me".utf8).write(to: victim)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: victim.path)
            try FileManager.default.createSymbolicLink(at: bindir.appendingPathComponent("oubliette"), withDestinationURL: victim)
            let installed = try await install([], server: server, prefix: prefix)
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
            let result = try await install(["--version", "10.0.0-rc.1"], server: server, prefix: prefix)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try await ToolRunner.run(prefix.appendingPathComponent("bin/oubliette").path, ["--version"]).trimmedStdout == "10.0.0-rc.1")
            let missing = try await install(["--version", "5.5.5"], server: server, prefix: prefix)
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
            let result = try await install([], server: server, prefix: prefix)
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: prefix.appendingPathComponent("bin/oubliette").path))
        }
    }

    static let identity = "https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v9.9.9"

    @Test("with gh installed, the bundle is verified by gh attestation verify with the release workflow's identity", arguments: [0, 1])
    func verifiesWithGH(status: Int) async throws {
        try await withFixture([SelfUpdateTests.stable]) { server, prefix, fixture in
            let log = prefix.deletingLastPathComponent().appendingPathComponent("verifier.log")
            let path = try Self.path(in: prefix.deletingLastPathComponent(), verifiers: ["gh", "cosign"], log: log)
            let result = try await install([], server: server, prefix: prefix, environment: ["PATH": path, "FAKE_STATUS": "\(status)"])
            let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
            #expect(calls.count == 1 && calls[0].hasPrefix("gh attestation verify "), "gh is preferred, called once: \(calls)")
            let archive = fixture.archiveName("9.9.9")
            #expect(calls[0].contains("/\(archive) --bundle "), "\(calls[0])")
            #expect(
                calls[0].hasSuffix(
                    "/\(archive).sigstore.json --repo hyphagroup/oubliette --cert-identity \(Self.identity) --cert-oidc-issuer https://token.actions.githubusercontent.com"
                ), "\(calls[0])")
            #expect(try Data(contentsOf: URL(fileURLWithPath: log.path + ".bundle")) == Data(try #require(fixture.bundles["9.9.9"])), "the release's bundle")
            let installed = FileManager.default.fileExists(atPath: prefix.appendingPathComponent("bin/oubliette").path)
            if status == 0 {
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stderr.contains("signature verified: \(archive) was built by \(Self.identity)"), "\(result.stderr)")
                #expect(installed)
            } else {
                #expect(result.status == 1)
                #expect(result.stderr.contains("gh attestation verify refused \(archive)"), "\(result.stderr)")
                #expect(!installed, "nothing is installed when the signature is refused")
            }
        }
    }

    @Test("with only cosign installed, cosign verify-blob-attestation checks the bundle with the same identity")
    func verifiesWithCosign() async throws {
        try await withFixture([SelfUpdateTests.stable]) { server, prefix, fixture in
            let log = prefix.deletingLastPathComponent().appendingPathComponent("verifier.log")
            let path = try Self.path(in: prefix.deletingLastPathComponent(), verifiers: ["cosign"], log: log)
            let result = try await install([], server: server, prefix: prefix, environment: ["PATH": path])
            #expect(result.status == 0, "\(result.stderr)")
            let archive = fixture.archiveName("9.9.9")
            let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
            #expect(calls.count == 1, "\(calls)")
            #expect(calls.first?.hasPrefix("cosign verify-blob-attestation --bundle ") == true, "\(calls)")
            #expect(
                calls.first?.contains(
                    ".sigstore.json --new-bundle-format --type slsaprovenance1 --certificate-identity \(Self.identity) --certificate-oidc-issuer https://token.actions.githubusercontent.com "
                ) == true, "\(calls)")
            #expect(calls.first?.hasSuffix("/\(archive)") == true, "\(calls)")
            #expect(result.stderr.contains("signature verified"), "\(result.stderr)")
        }
    }

    @Test("without gh or cosign, or without a bundle, it says plainly that only the checksum was checked, or with --require-signature refuses")
    func checksumOnlySaysSo() async throws {
        try await withFixture([SelfUpdateTests.stable]) { server, prefix, _ in
            let log = prefix.deletingLastPathComponent().appendingPathComponent("verifier.log")
            let result = try await install(
                [], server: server, prefix: prefix, environment: ["PATH": try Self.path(in: prefix.deletingLastPathComponent(), verifiers: [], log: log)])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("neither gh nor cosign is installed: only the SHA-256 checksum was checked"), "\(result.stderr)")
            #expect(!result.stderr.contains("signature verified"))
            // --require-signature refuses instead of falling back.
            let strict = try await install(
                ["--require-signature"], server: server, prefix: prefix.appendingPathComponent("strict"),
                environment: ["PATH": try Self.path(in: prefix.deletingLastPathComponent(), verifiers: [], log: log)])
            #expect(strict.status == 1)
            #expect(strict.stderr.contains("neither gh nor cosign is installed, so the archive's signature cannot be verified"), "\(strict.stderr)")
            #expect(!FileManager.default.fileExists(atPath: prefix.appendingPathComponent("strict/bin/oubliette").path))
        }
        try await withFixture([ReleaseFixture.Release(version: "9.9.9", bundle: .missing)]) { server, prefix, _ in
            let log = prefix.deletingLastPathComponent().appendingPathComponent("verifier.log")
            let path = try Self.path(in: prefix.deletingLastPathComponent(), verifiers: ["gh"], log: log)
            let result = try await install([], server: server, prefix: prefix, environment: ["PATH": path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("has no oubliette-9.9.9-"), "\(result.stderr)")
            #expect(result.stderr.contains("only the SHA-256 checksum was checked"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: log.path), "gh is not called without a bundle")
            let strict = try await install(
                ["--require-signature"], server: server, prefix: prefix.appendingPathComponent("strict"), environment: ["PATH": path])
            #expect(strict.status == 1)
            #expect(strict.stderr.contains("--require-signature was given; nothing was installed"), "\(strict.stderr)")
            #expect(!FileManager.default.fileExists(atPath: prefix.appendingPathComponent("strict/bin/oubliette").path))
        }
    }
}
