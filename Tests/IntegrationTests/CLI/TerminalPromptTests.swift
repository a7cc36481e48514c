import ContainerRuntimes
import Foundation
import OCIDistribution
import OublietteCore
import Testing

/// `oubliette` on a real terminal (tmux): each question answered yes, no, skipped with
/// --yes and refused without a terminal; the retry notice; progress that fits 40, 50 and 80
/// columns.
@Suite("oubliette on a terminal (tmux)", .enabled(if: TestBed.isAvailable && TmuxTerminal.isAvailable, TestBed.skipReason))
struct TerminalPromptTests {
    let cli = CLIIntegrationTests()

    func terminal(_ arguments: [String], _ home: CLIIntegrationTests.Home, columns: Int = 80) async throws -> TmuxTerminal {
        try await TmuxTerminal.start(
            [TestImages.oublietteBinary().path] + arguments, environment: home.environment, columns: columns)
    }

    @Test func initAsksHowImagesAreObtainedOnlyWhenItWritesAConfig() async throws {
        let build = try cli.emptyHome("tty-init-build")
        let asked = try await terminal(["init", "--no-pull"], build)
        defer { asked.close() }
        try await asked.waitFor("How should oubliette obtain its container images?")
        try await asked.waitFor("[prebuilt]: ")
        try await asked.type("2")
        #expect(try await asked.exitStatus().status == 0)
        #expect(try String(contentsOf: build.config, encoding: .utf8).contains(#""image_source": "build""#))

        // Enter takes the default; an existing config is not asked about again.
        let plain = try cli.emptyHome("tty-init-default")
        let enter = try await terminal(["init", "--no-pull"], plain)
        defer { enter.close() }
        try await enter.waitFor("[prebuilt]: ")
        try await enter.type("")
        #expect(try await enter.exitStatus().status == 0)
        #expect(try String(contentsOf: plain.config, encoding: .utf8).contains(#""image_source": "prebuilt""#))
        let again = try await terminal(["init", "--no-pull"], plain)
        defer { again.close() }
        let (status, screen) = try await again.exitStatus()
        #expect(status == 0 && !screen.joined().contains("How should"), "\(screen)")
    }

    @Test func stoppingARunningContainerAsksFirst() async throws {
        let (home, _, _) = try await cli.homeWithCustomType("tty-stop")
        let project = try await cli.createProject("tty stop", home: home)
        let store = ProjectStore(dataDirectory: home.data)
        let session = try await store.startSession(projectID: project.id, label: nil)
        func state() async throws -> ContainerState? {
            try await cli.docker().listContainers(labels: [ContainerSettings.projectLabel: project.id]).first?.state
        }

        // No: nothing is stopped, exit 4.
        let no = try await terminal(["container", "stop", project.id], home)
        defer { no.close() }
        try await no.waitFor("project \(project.id) is running with 1 active session; stop it? [y/N]")
        try await no.type("n")
        #expect(try await no.exitStatus().status == 4)
        #expect(try await state() == .running)
        try await store.endSession(id: session.id)

        // Yes: refresh replaces the running container.
        let yes = try await terminal(["container", "refresh", project.id, "--progress", "plain"], home)
        defer { yes.close() }
        try await yes.waitFor("project \(project.id) is running; stop and recreate it? [y/N]")
        try await yes.type("y")
        let refreshed = try await yes.exitStatus()
        #expect(refreshed.status == 0, "\(refreshed.screen)")
        #expect(try await store.project(id: project.id).containerID != project.containerID)

        // A terminal but stdin from a pipe: no one can answer, so nothing waits.
        let piped = try await TmuxTerminal.start(
            ["sh", "-c", "exec \"$0\" container stop \"$1\" </dev/null", TestImages.oublietteBinary().path, project.id],
            environment: home.environment, columns: 80)
        defer { piped.close() }
        let refused = try await piped.exitStatus(seconds: 30)
        #expect(refused.status == 4 && refused.screen.joined().contains("pass --yes"), "\(refused.screen)")

        // --yes: no question.
        let flagged = try await terminal(["container", "stop", project.id, "--yes"], home)
        defer { flagged.close() }
        let stopped = try await flagged.exitStatus()
        #expect(stopped.status == 0 && !stopped.screen.joined().contains("[y/N]"), "\(stopped.screen)")
        #expect(stopped.screen.contains { $0.contains("Stopping \(project.id) (it gets 5 s to exit") }, "\(stopped.screen)")
        #expect(try await state() == .exited)
        _ = try await cli.services(home).projects.delete(id: project.id)
    }

    @Test func anUnreachableRegistrySaysItIsRetrying() async throws {
        let home = try cli.emptyHome("tty-retry")
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Port 1 on loopback: nothing listens, the engine gets "connection refused".
        try #"{ "containers": { "custom": "127.0.0.1:1/nowhere/custom:1" } }"#.write(to: home.config, atomically: true, encoding: .utf8)
        let pull = try await terminal(["image", "pull", "custom"], home)
        defer { pull.close() }
        let screen = try await pull.waitFor("retrying in 1 s (attempt 2 of 4)", seconds: 30)
        #expect(screen.joined().contains("registry 127.0.0.1:1 unreachable"), "\(screen)")
    }

    @Test func buildOutputOnATerminalIsPrefixedAndDimmed() async throws {
        var home = try cli.emptyHome("tty-build")
        // Whatever the harness exports: an empty NO_COLOR means colour is allowed.
        home.environment["NO_COLOR"] = ""
        let image = "\(cli.bed.registry)/tty-build-\(UUID().uuidString.prefix(8).lowercased())/base:1"
        _ = try await TestImages.push(image, version: "v1.0.12", marker: "tty-build", bed: cli.bed)
        let source = home.root.appendingPathComponent("checkout")
        let dockerfile = source.appendingPathComponent("containers/base/Dockerfile")
        try FileManager.default.createDirectory(at: dockerfile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "FROM \(image)\nLABEL built.on=terminal\n".write(to: dockerfile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ \"containers\": { \"base\": \"\(image)\" }, \"source_dir\": \"\(source.path)\" }"
            .write(to: home.config, atomically: true, encoding: .utf8)
        let built = try await terminal(["image", "pull", "base", "--build"], home, columns: 160)
        defer { built.close() }
        let (status, screen) = try await built.exitStatus()
        #expect(status == 0, "\(screen)")
        #expect(screen.contains { $0.hasPrefix("[build base] Successfully tagged \(image)") }, "\(screen)")
        // On a terminal the prefix is dimmed (SGR 2), so the tool's text stands out.
        let attributes = try await built.tmux(["capture-pane", "-p", "-e", "-t", "t"]).stdout
        #expect(attributes.contains("\u{1B}[2m[build base]"), "\(attributes.debugDescription.prefix(600))")
    }

    @Test func aMissingImageOffersToBuildFromSource() async throws {
        let home = try cli.emptyHome("tty-offer")
        let repository = "tty-offer-\(UUID().uuidString.prefix(8).lowercased())/base"
        _ = try await TestImages.push("\(cli.bed.registry)/\(repository):1.0.0", version: "v1.0.12", marker: "offer", bed: cli.bed)
        let image = "\(cli.bed.registry)/\(repository):9.9.9"
        // A checkout whose catalogue (the shipped one) finds containers/base/Dockerfile.
        let source = home.root.appendingPathComponent("checkout")
        let dockerfile = source.appendingPathComponent("containers/base/Dockerfile")
        try FileManager.default.createDirectory(at: dockerfile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "FROM \(cli.bed.busyboxImage)\nLABEL built.from=checkout\n".write(to: dockerfile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ \"containers\": { \"base\": \"\(image)\" }, \"source_dir\": \"\(source.path)\" }"
            .write(to: home.config, atomically: true, encoding: .utf8)
        let command = "oubliette image pull base --build --source-dir \(source.path)"

        // No terminal: the 404 names the tags that exist and the command that builds instead.
        let script = try await cli.oubliette(["image", "pull", "base"], home)
        #expect(script.status == 1 && script.stderr.contains("the image or tag does not exist"), "\(script.stderr)")
        #expect(script.stderr.contains("Tags that exist in \(repository): 1.0.0"), "\(script.stderr)")
        #expect(script.stderr.contains("To build it from source instead:\n  \(command)"), "\(script.stderr)")
        #expect(!script.stderr.contains("[Y/n]"), "\(script.stderr)")

        // No: nothing is built, exit 1.
        let no = try await terminal(["image", "pull", "base"], home)
        defer { no.close() }
        try await no.waitFor("base: build it from source instead? [Y/n]")
        try await no.type("n")
        #expect(try await no.exitStatus().status == 1)
        #expect(try await !cli.docker().imageExists(try ImageReference(parsing: image)))

        // Yes (Enter): built from the checkout under the configured name.
        let yes = try await terminal(["image", "pull", "base"], home)
        defer { yes.close() }
        try await yes.waitFor("base: build it from source instead? [Y/n]")
        try await yes.type("")
        let built = try await yes.exitStatus()
        #expect(built.status == 0 && built.screen.contains { $0.hasPrefix("base: \(image) built") }, "\(built.screen)")
        #expect(try await cli.docker().inspectImage(try ImageReference(parsing: image)).labels["built.from"] == "checkout")

        // The printed command works as printed.
        let printed = try await cli.oubliette(Array(command.split(separator: " ").dropFirst().map(String.init)), home)
        #expect(printed.status == 0 && printed.stdout.contains("base: \(image) built"), "\(printed.stderr)")
    }

    @Test(arguments: [40, 50, 80])
    func progressFitsTheTerminal(columns: Int) async throws {
        // A layer big enough for the engine to report bytes, under a short repository name
        // (so the image reference itself fits on a 40-column row).
        let home = try cli.emptyHome("bars-\(columns)")
        let image = "\(cli.bed.registry)/b\(columns)-\(UUID().uuidString.prefix(6).lowercased()):1"
        _ = try await TestImages.push(image, version: "v1.0.12", marker: "bars", payloadMiB: 24, bed: cli.bed)
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ \"containers\": { \"custom\": \"\(image)\" } }".write(to: home.config, atomically: true, encoding: .utf8)
        let pull = try await terminal(["image", "pull", "custom", "--ignore-version"], home, columns: columns)
        defer { pull.close() }
        let (status, _) = try await pull.exitStatus()
        #expect(status == 0)
        // Joined rows: a line the terminal had to wrap comes back as one long line.
        let joined = try await pull.tmux(["capture-pane", "-p", "-J", "-t", "t"]).stdout.split(separator: "\n").map(String.init)
        // The result line (stdout, printed once, never redrawn) may wrap; progress may not.
        for line in joined.prefix(while: { !$0.hasPrefix("custom: \(image)") }) {
            #expect(line.trimmingCharacters(in: .whitespaces).count < columns, "wrapped at \(columns) columns: '\(line)'")
        }
        #expect(joined.contains { $0.hasPrefix("custom: \(image)") }, "\(joined)")
        #expect(joined.contains { $0.hasPrefix("custom: Status: Downloaded newer image") }, "the final progress line: \(joined)")
    }
}
