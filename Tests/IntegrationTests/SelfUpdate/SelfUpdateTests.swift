import Foundation
import ImageCatalogue
import OublietteCore
import TestSupport
import Testing

/// The real oubliette binary, copied into a temporary prefix, updates itself from a local
/// server that imitates the GitHub releases API; every failure leaves it byte for byte as it was.
@Suite("Self-update")
struct SelfUpdateTests {
    static let stable = ReleaseFixture.Release(version: "9.9.9")
    static let older = ReleaseFixture.Release(version: "1.0.0")
    static let candidate = ReleaseFixture.Release(version: "10.0.0-rc.1", prerelease: true)

    /// The build's own binaries sit beside the test bundle.
    static func built(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// A prefix holding a copy of the built oubliette, and a server with `releases`.
    struct Setup {
        let root: URL
        let binary: URL
        let original: Data
        let server: FakeReleaseServer
        let fixture: ReleaseFixture

        var previous: URL { binary.deletingLastPathComponent().appendingPathComponent("oubliette.previous") }

        static func make(_ releases: [ReleaseFixture.Release]) async throws -> Setup {
            let built = SelfUpdateTests.built("oubliette")
            try #require(FileManager.default.isExecutableFile(atPath: built.path), "build the oubliette product first")
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("self-update-\(UUID().uuidString.prefix(8))")
            let bin = root.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let binary = bin.appendingPathComponent("oubliette")
            try FileManager.default.copyItem(at: built, to: binary)
            let fixture = try await ReleaseFixture(releases, scratch: root)
            let box = FixtureBox()
            let server = try await FakeReleaseServer.start { path in box.reply(path) }
            box.set { path in fixture.reply(path: path, baseURL: server.baseURL) }
            return Setup(root: root, binary: binary, original: try Data(contentsOf: binary), server: server, fixture: fixture)
        }

        /// Runs the prefix's binary (or `executable`) against the fake server; an installing
        /// self-update verifies against the fixture's test Sigstore root.
        func run(_ arguments: [String], executable: URL? = nil, baseURL: String? = nil) async throws -> ToolResult {
            let installs =
                arguments.first == "self-update"
                && !arguments.contains { ["--rollback", "--check", "--insecure-skip-signature", "--version", "--trusted-root"].contains($0) }
            return try await ToolRunner.run(
                (executable ?? binary).path, arguments + (installs ? ["--trusted-root", fixture.trustedRoot.path] : []),
                environment: ["OUBLIETTE_RELEASES_URL": baseURL ?? server.baseURL], check: false, timeout: 120)
        }

        /// Nothing but the binary (and, when given, oubliette.previous) is left in bin/.
        func leftovers() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: binary.deletingLastPathComponent().path)
                .filter { $0 != "oubliette" && $0 != "oubliette.previous" }
        }

        func tearDown() async {
            await server.shutdown()
            try? FileManager.default.removeItem(at: root)
        }
    }

    @Test func updatesToTheNewestStableReleaseAndRollsBack() async throws {
        let setup = try await Setup.make([Self.older, Self.stable, Self.candidate])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            // A development build counts as older than every release.
            #expect(OublietteVersion.isDevelopment(OublietteVersion.current) || CLIVersion(OublietteVersion.current).map { $0 < CLIVersion("9.9.9")! } == true)

            let update = try await setup.run(["self-update"])
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.stdout.contains("to 9.9.9"), "\(update.stdout)")
            #expect(
                update.stdout.contains("signature verified: signed by https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v9.9.9"),
                "\(update.stdout)")
            #expect(setup.server.requestedPaths.contains("/download/v9.9.9/\(setup.fixture.bundleName("9.9.9"))"))
            #expect(try await setup.run(["--version"]).trimmedStdout == "9.9.9")
            #expect(try Data(contentsOf: setup.previous) == setup.original, "the replaced binary is kept as oubliette.previous")
            let leftovers = try setup.leftovers()
            #expect(leftovers.isEmpty, "\(leftovers)")
            #expect(setup.server.requestedPaths.contains("/download/v9.9.9/SHA256SUMS"))

            // The stand-in cannot run self-update, so the built oubliette rolls the copy back.
            let rollback = try await setup.run(["self-update", "--rollback", "--binary", setup.binary.path], executable: Self.built("oubliette"))
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(try Data(contentsOf: setup.binary) == setup.original)
            #expect(try await setup.run(["--version"]).trimmedStdout == OublietteVersion.longDescription)
            #expect(try await setup.run(["--version"], executable: setup.previous).trimmedStdout == "9.9.9", "a second rollback would undo the first")
            #expect(try setup.leftovers().isEmpty)
        }
    }

    @Test func prereleasesOnlyWithPre() async throws {
        let setup = try await Setup.make([Self.stable, Self.candidate])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            let check = try await setup.run(["self-update", "--check", "--json"])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("\"target\" : \"9.9.9\""), "\(check.stdout)")
            let preCheck = try await setup.run(["self-update", "--check", "--pre"])
            #expect(preCheck.stdout.contains("10.0.0-rc.1 is available"), "\(preCheck.stdout)")
            #expect(try Data(contentsOf: setup.binary) == setup.original, "--check changes nothing")
            #expect(!setup.server.requestedPaths.contains { $0.hasPrefix("/download/") }, "--check downloads nothing")

            let update = try await setup.run(["self-update", "--pre"])
            #expect(update.status == 0, "\(update.stderr)")
            #expect(try await setup.run(["--version"]).trimmedStdout == "10.0.0-rc.1")
        }
    }

    @Test func anExplicitVersionIsInstalledAndAnUnknownOneRefused() async throws {
        let setup = try await Setup.make([Self.older, Self.stable])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            // `--version` means "print the version" on every command, self-update included.
            let printed = try await setup.run(["self-update", "--version"])
            #expect(printed.status == 0 && printed.trimmedStdout == OublietteVersion.longDescription, "\(printed.stderr)")
            let missing = try await setup.run(["self-update", "--to", "5.5.5"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("there is no release 5.5.5"), "\(missing.stderr)")
            let update = try await setup.run(["self-update", "--to", "1.0.0"])
            #expect(update.status == 0, "\(update.stderr)")
            #expect(try await setup.run(["--version"]).trimmedStdout == "1.0.0")
        }
    }

    @Test(arguments: [
        (ReleaseFixture.Release(version: "9.9.9", wrongChecksum: true), "SHA256SUMS says"),
        (ReleaseFixture.Release(version: "9.9.9", truncated: true), "stopped after"),
        (ReleaseFixture.Release(version: "9.9.9", oversized: true), "is larger than"),
        (ReleaseFixture.Release(version: "9.9.9", symlinkMember: true), "as a symbolic link, not a regular file"),
        (ReleaseFixture.Release(version: "9.9.9", redirectedToPlainHTTP: true), "releases are fetched over https only"),
    ])
    func aBadDownloadLeavesTheBinaryUntouched(_ release: ReleaseFixture.Release, message: String) async throws {
        let setup = try await Setup.make([release])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            let result = try await setup.run(["self-update"])
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(try Data(contentsOf: setup.binary) == setup.original)
            #expect(!FileManager.default.fileExists(atPath: setup.previous.path))
            let leftovers = try setup.leftovers()
            #expect(leftovers.isEmpty, "\(leftovers)")
            if release.symlinkMember {
                let mode = try FileManager.default.attributesOfItem(atPath: ReleaseFixture.outside(setup.root).path)[.posixPermissions] as? Int
                #expect(mode == 0o644, "the symlink's target was chmod-ed")
            }
        }
    }

    @Test(arguments: [
        (ReleaseFixture.BundleChoice.missing, "has no oubliette-9.9.9-"),
        (.otherIdentity, "release.yml@refs/heads/main' does not match"),
        (.otherArchive, "no in-toto subject has sha256:"),
    ])
    func anArchiveWithoutTheReleaseWorkflowsSignatureIsRefusedBeforeUnpacking(_ bundle: ReleaseFixture.BundleChoice, message: String) async throws {
        let setup = try await Setup.make([ReleaseFixture.Release(version: "9.9.9", bundle: bundle)])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            let result = try await setup.run(["self-update"])
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.contains("the binary was not changed"), "\(result.stderr)")
            if bundle == .missing {
                #expect(result.stderr.contains("--insecure-skip-signature"), "the refusal names the way out: \(result.stderr)")
                #expect(!setup.server.requestedPaths.contains { $0.hasPrefix("/download/") }, "nothing is downloaded: \(setup.server.requestedPaths)")
            }
            #expect(try Data(contentsOf: setup.binary) == setup.original)
            #expect(!FileManager.default.fileExists(atPath: setup.previous.path))
            #expect(try setup.leftovers().isEmpty)
        }
    }

    @Test func aWrongTrustedRootIsRefusedAndChecksumOnlyIsAnExplicitChoice() async throws {
        let setup = try await Setup.make([ReleaseFixture.Release(version: "9.9.9", bundle: .missing), Self.older])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            // The shipped public-good root does not know the test authority's logs.
            let wrongRoot = try await setup.run([
                "self-update", "--to", "1.0.0", "--trusted-root", Self.repositoryRoot.path + "/Sources/SigstoreVerification/Resources/trusted_root.json",
            ])
            #expect(wrongRoot.status == 1)
            #expect(wrongRoot.stderr.contains("tlog-entry check failed"), "\(wrongRoot.stderr)")
            #expect(try Data(contentsOf: setup.binary) == setup.original)

            let skipped = try await setup.run(["self-update", "--insecure-skip-signature"])
            #expect(skipped.status == 0, "\(skipped.stderr)")
            #expect(skipped.stdout.contains("only the checksum was verified (--insecure-skip-signature)"), "\(skipped.stdout)")
            #expect(try await setup.run(["--version"]).trimmedStdout == "9.9.9")
        }
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func plainHTTPIsRefusedUnlessLoopback() async throws {
        let setup = try await Setup.make([Self.stable])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            // 0.0.0.0 reaches the local server, but is not a loopback address.
            let result = try await setup.run(["self-update", "--check"], baseURL: "http://0.0.0.0:\(setup.server.port)")
            #expect(result.status == 1)
            #expect(result.stderr.contains("releases are fetched over https only"), "\(result.stderr)")
            #expect(setup.server.requestedPaths.isEmpty, "nothing is sent before the refusal: \(setup.server.requestedPaths)")
            for url in ["https://example.com/x", "http://127.0.0.1:1/x", "http://[::1]:1/x", "http://localhost/x"] {
                #expect(throws: Never.self) { try ReleaseCatalog.checkTransport(url) }
            }
            for url in ["http://0.0.0.0/x", "http://127.0.0.1.example.com/x", "ftp://127.0.0.1/x", "file:///etc/passwd", "HTTP://10.0.0.1/x"] {
                #expect(throws: SelfUpdateError.self, "\(url)") { try ReleaseCatalog.checkTransport(url) }
            }
        }
    }

    @Test func noNetworkIsAClearErrorNotAHang() async throws {
        let setup = try await Setup.make([Self.stable])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            // A port nobody listens on: the server's, once it is shut down.
            let closed = try await FakeReleaseServer.start { _ in .notFound }
            let unreachable = closed.baseURL
            await closed.shutdown()
            let started = ContinuousClock.now
            let result = try await setup.run(["self-update", "--check"], baseURL: unreachable)
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot reach the releases"), "\(result.stderr)")
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(try Data(contentsOf: setup.binary) == setup.original)
        }
    }

    @Test func statusReportsTheNewestReleaseAskingAtMostOnceADay() async throws {
        let setup = try await Setup.make([Self.stable, Self.candidate])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup async throws in
            let environment = [
                "OUBLIETTE_RELEASES_URL": setup.server.baseURL,
                "XDG_CONFIG_HOME": setup.root.appendingPathComponent("config").path,
                "OUBLIETTE_DATA_DIR": setup.root.appendingPathComponent("data").path,
                "DOCKER_HOST": "unix://\(setup.root.path)/no-docker.sock",
            ]
            for _ in 0..<2 {
                let status = try await ToolRunner.run(setup.binary.path, ["status", "--json"], environment: environment, check: false, timeout: 60)
                let report = try #require(try JSONSerialization.jsonObject(with: status.stdoutData) as? [String: Any], "\(status.stderr)")
                let cli = try #require(report["cli"] as? [String: Any])
                #expect(cli["latest"] as? String == "9.9.9", "prereleases are not offered: \(cli)")
                #expect(cli["version"] as? String == OublietteVersion.current)
            }
            #expect(setup.server.requestedPaths.filter { $0 == "/releases" }.count == 1, "\(setup.server.requestedPaths)")
            let text = try await ToolRunner.run(setup.binary.path, ["status"], environment: environment, check: false, timeout: 60)
            #expect(text.stdout.contains("CLI: oubliette \(OublietteVersion.current)"), "\(text.stdout)")
        }
    }

    @Test func aNewerBinaryIsNotDowngradedWithoutVersion() async throws {
        let setup = try await Setup.make([Self.older, Self.stable])
        try await withFixture(setup, tearDown: { await $0.tearDown() }) { setup throws in
            let updater = SelfUpdater(
                catalog: ReleaseCatalog(baseURL: setup.server.baseURL), platform: setup.fixture.platform,
                currentVersion: "12.0.0", binary: setup.binary, signature: .checksumOnly)
            await #expect(throws: SelfUpdateError.self) { try await updater.plan() }
            let explicit = try await updater.plan(version: "9.9.9")
            #expect(explicit.isDowngrade && explicit.updateAvailable)
            let same = try await SelfUpdater(
                catalog: ReleaseCatalog(baseURL: setup.server.baseURL), platform: setup.fixture.platform,
                currentVersion: "9.9.9", binary: setup.binary, signature: .checksumOnly
            ).plan()
            #expect(!same.updateAvailable)
        }
    }

    @Test func versionsOrderAsSemverSays() throws {
        let ordered = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "10.0.0",
            "123456789012345678901234567890.0.0",
        ]
        let parsed = try ordered.map { try #require(CLIVersion($0), "\($0)") }
        for (lower, higher) in zip(parsed, parsed.dropFirst()) {
            #expect(lower < higher, "\(lower) < \(higher)")
            #expect(!(higher < lower))
        }
        #expect(CLIVersion("v1.2.3+build.5") == CLIVersion("1.2.3"))
        #expect(CLIVersion("1.2") == nil && CLIVersion("1.2.x") == nil && CLIVersion("1.2.3-") == nil)
    }
}

/// Lets the server's route closure be set once the server (and so its URL) exists.
final class FixtureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var route: (@Sendable (String) -> ReleaseServerReply)?
    func set(_ route: @escaping @Sendable (String) -> ReleaseServerReply) { lock.lock(); self.route = route; lock.unlock() }
    func reply(_ path: String) -> ReleaseServerReply {
        lock.lock(); let route = self.route; lock.unlock()
        return route?(path) ?? .notFound
    }
}
