import Foundation
import TestSupport
import Testing

@testable import ContainerRuntimes
@testable import OCIDistribution
@testable import OublietteCore

@Suite("Image acquisition flags")
struct ImageAcquisitionTests {
    @Test func flagsOverrideTheConfiguredSource() throws {
        #expect(try ImageAcquisition.resolve(pullImage: false, rebuildImage: false, noCache: false, configured: .prebuilt) == .pull)
        #expect(try ImageAcquisition.resolve(pullImage: false, rebuildImage: false, noCache: false, configured: .build) == .rebuild(noCache: false))
        #expect(try ImageAcquisition.resolve(pullImage: true, rebuildImage: false, noCache: false, configured: .build) == .pull)
        #expect(try ImageAcquisition.resolve(pullImage: false, rebuildImage: true, noCache: true, configured: .prebuilt) == .rebuild(noCache: true))
        #expect(try ImageAcquisition.resolve(pullImage: false, rebuildImage: false, noCache: true, configured: .build) == .rebuild(noCache: true))
    }

    @Test func conflictingFlagsSayWhy() {
        #expect(throws: LifecycleError.self) {
            try ImageAcquisition.resolve(pullImage: true, rebuildImage: true, noCache: false, configured: .prebuilt)
        }
        do {
            _ = try ImageAcquisition.resolve(pullImage: true, rebuildImage: false, noCache: true, configured: .prebuilt)
            Issue.record("--pull-image --no-cache must be refused")
        } catch {
            #expect(error.description.contains("--no-cache only applies to --rebuild-image"))
        }
        #expect(throws: LifecycleError.self) {
            try ImageAcquisition.resolve(pullImage: false, rebuildImage: false, noCache: true, configured: .prebuilt)
        }
    }
}

@Suite("Container settings")
struct ContainerSettingsTests {
    @Test func networkAndTimeoutComeFromTheEnvironment() throws {
        #expect(try ContainerSettings.fromEnvironment([:]) == ContainerSettings())
        let settings = try ContainerSettings.fromEnvironment(["OUBLIETTE_CONTAINER_NETWORK": "none", "OUBLIETTE_STOP_TIMEOUT": "3"])
        #expect(settings.network == .none)
        #expect(settings.stopTimeout == .seconds(3))
        #expect(ContainerSettings.parseNetwork("host") == .host)
        #expect(ContainerSettings.parseNetwork("Default") == .default)
        #expect(ContainerSettings.parseNetwork("agents") == .named("agents"))
        #expect(throws: LifecycleError.invalidSetting(variable: "OUBLIETTE_STOP_TIMEOUT", value: "soon", expected: "a whole number of seconds")) {
            try ContainerSettings.fromEnvironment(["OUBLIETTE_STOP_TIMEOUT": "soon"])
        }
    }

    @Test func specLabelsTheContainerWithItsProject() throws {
        let project = Project(id: "demo-1", name: "demo", type: "dev", image: "x", createdAt: Date())
        let spec = ContainerSettings(network: .none).spec(for: project, image: try ImageReference(parsing: "example.com/dev:1"))
        #expect(spec.name == "oubliette-demo-1")
        #expect(spec.labels[ContainerSettings.projectLabel] == "demo-1")
        #expect(spec.labels[ContainerSettings.typeLabel] == "dev")
        #expect(spec.network == .none)
        #expect(spec.command.isEmpty, "the image's own command runs")
    }
}

@Suite("oubliette init files")
struct InstallerTests {
    func paths() -> OubliettePaths {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString)")
        return OubliettePaths(configFile: root.appendingPathComponent("config/oubliette.jsonc"), dataDirectory: root.appendingPathComponent("data"))
    }

    @Test func theTemplateParsesAndExplainsEveryKey() throws {
        let text = ConfigTemplate.render(catalogue: .shipped)
        let config = try OublietteConfig(parsing: text, file: "template.jsonc", catalogue: .shipped, devMode: false)
        #expect(config.validTypes == ["base", "dev"])
        #expect(config.containers["base"]?.origin == .userConfig(file: "template.jsonc", line: 8))
        for key in OublietteConfig.knownKeys { #expect(text.contains("\"\(key)\":"), "template lacks \(key)") }
        #expect(text.components(separatedBy: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.count >= 10)
    }

    @Test func initNeverOverwritesWithoutForceAndBacksUpWithIt() throws {
        let paths = paths()
        let installer = Installer(paths: paths, now: { Date(timeIntervalSince1970: 1_700_000_000) })
        #expect(try installer.writeConfig(force: false).action == .written)
        try Data("// mine\n{}".utf8).write(to: paths.configFile)
        #expect(try installer.writeConfig(force: false).action == .kept)
        #expect(try String(contentsOf: paths.configFile, encoding: .utf8) == "// mine\n{}")
        let replaced = try installer.writeConfig(force: true)
        #expect(replaced.action == .replaced)
        let backup = try #require(replaced.backup)
        #expect(backup.hasSuffix("oubliette.jsonc.bak-20231114T221320Z"))
        #expect(try String(contentsOfFile: backup, encoding: .utf8) == "// mine\n{}")
        // A second forced init in the same second keeps both backups.
        #expect(try installer.writeConfig(force: true).backup != backup)
    }

    @Test func theServerTokenIsCreatedOncePrivately() throws {
        let paths = paths()
        let created = try ServerToken.ensure(dataDirectory: paths.dataDirectory)
        #expect(created.created && created.token.count == 64)
        let again = try ServerToken.ensure(dataDirectory: paths.dataDirectory)
        #expect(!again.created && again.token == created.token)
        let mode = try FileManager.default.attributesOfItem(atPath: ServerToken.file(in: paths.dataDirectory).path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func provenanceTextNamesTheSource() {
        let image = RuntimeImage(id: "sha256:x")
        let pulled = ImageProvenance(reference: "r", digest: nil, version: "1.0.12", source: .prebuilt, registry: "ghcr.io", acquiredAt: Date())
        #expect(StatusReporter.provenanceText(image: image, record: pulled, version: "1.0.12") == "v1.0.12 (prebuilt from ghcr.io)")
        var built = pulled
        built.source = .build
        #expect(
            StatusReporter.provenanceText(image: image, record: built, version: "v1.0.12") == "v1.0.12 (built from source; exempt from signature verification)")
        #expect(StatusReporter.provenanceText(image: nil, record: pulled, version: nil) == "not present")
        #expect(StatusReporter.provenanceText(image: image, record: nil, version: nil) == "unversioned (not obtained by oubliette)")
    }
}

@Suite("Status version advice")
struct StatusVersionAdviceTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")

    /// Every present image is labelled 1.2.3 by the scripted runtime; `probe` is a custom image.
    func report(cliVersion: String) async throws -> StatusReport {
        let config = try OublietteConfig(
            parsing: """
                { "update_check": "never", "containers": { "probe": "registry.example/acme/probe:1" } }
                """, file: "t.jsonc", catalogue: .shipped, devMode: false)
        let present = try Set(["base", "probe"].map { try config.imageReference(for: $0) })
        let reporter = StatusReporter(
            config: config, runtime: ScriptedRuntime(present: present), provenance: ProvenanceStore(dataDirectory: data),
            cache: UpdateCheckCache(dataDirectory: data), registries: RegistryClientFactory(), cliVersion: cliVersion)
        return await reporter.report()
    }

    @Test("status names update for an older image, self-update for an older oubliette, nothing for custom images")
    func adviceFollowsTheOlderSide() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        let olderImage = try await report(cliVersion: "1.3.0").cli.versionNotes
        #expect(olderImage == ["base: the image is version 1.2.3 but this oubliette is 1.3.0; run `oubliette update --type base` to get the matching image"])
        let olderCLI = try await report(cliVersion: "1.2.0").cli.versionNotes
        #expect(olderCLI == ["base: the image is version 1.2.3 but this oubliette is 1.2.0; run `oubliette self-update` to get the matching CLI"])
        #expect(!olderCLI.joined().contains("oubliette update"), "an older oubliette is not fixed by pulling images")
    }

    @Test func versionsThatDoNotCompareNameNeitherCommand() {
        let cli = CLIStatus(version: "1.3.0", latest: nil, checkError: nil, imageVersions: [("base", "nightly-2026")])
        #expect(cli.versionNotes == ["base: the image is version nightly-2026 but this oubliette is 1.3.0; use an image and an oubliette of the same version"])
    }
}
