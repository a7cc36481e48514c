import Foundation
import ImageCatalogue
import OublietteCore
import Testing

/// One convention across `oubliette` and `release-tool`: one exit-status table, one `error:`
/// prefix, snake_case `--json` keys, and questions that never wait without a terminal.
@Suite("CLI conventions", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct CLIConventionTests {
    let cli = CLIIntegrationTests()
    let release = ReleaseToolCLITests()
    var bed: TestBed { cli.bed }

    /// A DOCKER_HOST whose socket does not exist: the engine is absent.
    static func absentEngine() -> String {
        "unix:///tmp/oubliette-no-engine-\(UUID().uuidString.prefix(8))/docker.sock"
    }

    @Test func statusExitsOneInTextAndJSONWhenTheEngineIsAbsent() async throws {
        // The registry has the image, so before the fix the JSON said "available" for an
        // image nobody could see, and exited 0 where the text exited 1.
        var (home, image, _) = try await cli.homeWithCustomType("engine-down", updateCheck: "always")
        home.environment["DOCKER_HOST"] = Self.absentEngine()

        let text = try await cli.oubliette(["status"], home)
        #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("unreachable"), "\(text.stdout)")

        let json = try await cli.oubliette(["status", "--json"], home)
        #expect(json.status == 1, "text and --json share one exit status: \(json.stderr)")
        let report = try #require(try cli.json(json) as? [String: Any])
        #expect((report["runtime"] as? [String: Any])?["error"] is String)
        let types = try #require(report["types"] as? [[String: Any]])
        #expect(types.contains { $0["image"] as? String == image }, "\(types)")
        #expect(types.allSatisfy { $0["update"] as? String == "unknown" }, "\(types)")
        #expect(types.allSatisfy { ($0["update_check_error"] as? String)?.contains("engine is unreachable") == true }, "\(types)")
    }

    /// An error thrown by a command is reported in one place (the command protocol): one
    /// `error:` line naming the subject on stderr, exit status 1, and with --json nothing on
    /// stdout (no half report for a script to parse).
    @Test func commandErrorsAreReportedOnceAndJSONLeavesStdoutEmpty() async throws {
        let home = try cli.emptyHome("reported-once")
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ \"containers\": { \"custom\": 42 } }".write(to: home.config, atomically: true, encoding: .utf8)
        let missing = home.root.appendingPathComponent("no-such-catalogue.jsonc").path
        let runs = [
            ("config show", try await cli.oubliette(["config", "show"], home)),
            ("config show --json", try await cli.oubliette(["config", "show", "--json"], home)),
            ("image list --json", try await cli.oubliette(["image", "list", "--json"], home)),
            ("update --json", try await cli.oubliette(["update", "--json", "--progress", "plain"], home)),
            ("session list --json", try await cli.oubliette(["session", "list", "--json"], home)),
            ("release-tool catalogue --json", try await release.releaseTool(["catalogue", "--catalogue", missing, "--json"])),
        ]
        for (name, run) in runs {
            #expect(run.status == 1, "\(name): \(run.stderr)")
            #expect(run.stdout.isEmpty, "\(name) printed on stdout after failing: \(run.stdout)")
            let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
            #expect(errors.count == 1, "\(name) reports its error once: \(run.stderr)")
            let subject = name.hasPrefix("release-tool") ? "no-such-catalogue.jsonc" : "oubliette.jsonc"
            #expect(errors.first?.contains(subject) == true, "\(name) names what is wrong: \(run.stderr)")
        }
    }

    @Test func usageErrorsExitTwoWithTheErrorPrefixAndASuggestion() async throws {
        let home = try cli.emptyHome("usage")
        let mistyped = try await cli.oubliette(["stauts"], home)
        #expect(mistyped.status == 2, "\(mistyped.stderr)")
        #expect(mistyped.stderr.hasPrefix("error: "), "\(mistyped.stderr)")
        #expect(mistyped.stderr.contains("did you mean `oubliette status`?"), "\(mistyped.stderr)")
        let nested = try await cli.oubliette(["container", "lst"], home)
        #expect(nested.status == 2 && nested.stderr.contains("did you mean `oubliette container list`?"), "\(nested.stderr)")
        let invalid = try await cli.oubliette(["container", "stop"], home)
        #expect(invalid.status == 2 && invalid.stderr.hasPrefix("error: give either a project ID or --all"), "\(invalid.stderr)")
        let unknownOption = try await release.releaseTool(["plan", "--no-such-option"])
        #expect(unknownOption.status == 2 && unknownOption.stderr.hasPrefix("error: "), "\(unknownOption.stderr)")

        // The table is in both tools' --help; --version prints the version everywhere.
        for help in [try await cli.oubliette(["--help"], home), try await release.releaseTool(["--help"])] {
            #expect(help.status == 0)
            #expect(help.stdout.contains("Exit status: 0 done; 1 failed"), "\(help.stdout)")
            #expect(help.stdout.contains("2 usage error") && help.stdout.contains("3 a requested check"), "\(help.stdout)")
        }
        let version = try await cli.oubliette(["self-update", "--version"], home)
        #expect(version.status == 0 && version.trimmedStdout == OublietteVersion.longDescription, "\(version.stderr)")
    }

    @Test func everyJSONOutputHasSnakeCaseKeys() async throws {
        var (home, image, _) = try await cli.homeWithCustomType("json-keys")
        let fresh = try cli.emptyHome("json-keys-init")
        let repo = try await release.repository(tags: ["v1.0.0"])
        defer { try? FileManager.default.removeItem(at: repo) }
        let catalogue = repo.appendingPathComponent("catalogue.jsonc").path
        var outputs: [(String, ToolResult)] = [
            ("init", try await cli.oubliette(["init", "--no-pull", "--json", "--image-source", "prebuilt"], fresh)),
            ("config show", try await cli.oubliette(["config", "show", "--json"], home)),
            ("image pull", try await cli.oubliette(["image", "pull", "--json", "--progress", "plain"], home)),
            ("status", try await cli.oubliette(["status", "--json"], home)),
            ("container list", try await cli.oubliette(["container", "list", "--all", "--json"], home)),
            ("image list", try await cli.oubliette(["image", "list", "--json"], home)),
            ("session list", try await cli.oubliette(["session", "list", "--json"], home)),
            ("container stop", try await cli.oubliette(["container", "stop", "--all", "--json", "--yes"], home)),
            ("container prune", try await cli.oubliette(["container", "prune", "--json", "--yes"], home)),
            ("update", try await cli.oubliette(["update", "--json", "--progress", "plain"], home)),
            ("catalogue", try await release.releaseTool(["catalogue", "--catalogue", catalogue, "--json"])),
            ("plan", try await release.releaseTool(["plan", "--repo", repo.path, "--catalogue", catalogue, "--registry", "127.0.0.1:5000/t", "--json"])),
            ("version", try await release.releaseTool(["version", "--repo", repo.path, "--catalogue", catalogue, "--json"])),
            ("registry inspect", try await release.releaseTool(["registry", "inspect", image, "--json"])),
            ("registry tags", try await release.releaseTool(["registry", "tags", image, "--json"])),
            (
                "registry copy",
                try await release.releaseTool([
                    "registry", "copy", "docker://\(image)", "docker://\(bed.registry)/cli/json-copy-\(UUID().uuidString.prefix(8).lowercased()):1", "--json",
                ])
            ),
        ]
        home.environment["DOCKER_HOST"] = Self.absentEngine()
        outputs.append(("status, engine absent", try await cli.oubliette(["status", "--json"], home)))
        for (name, result) in outputs {
            #expect(!result.stdout.isEmpty, "\(name) printed no JSON: \(result.stderr)")
            guard !result.stdout.isEmpty else { continue }
            let camel = try JSONKeyStyle.camelCaseKeys(inOutput: result.stdoutData)
            #expect(camel.isEmpty, "\(name) --json has camelCase keys: \(camel)")
        }
    }

    @Test func sessionsAndImagesFromTheCommandLine() async throws {
        let (home, image, digest) = try await cli.homeWithCustomType("sessions")
        #expect(try await cli.oubliette(["image", "pull", "custom", "--progress", "plain"], home).status == 0)
        let listed = try #require(try cli.json(try await cli.oubliette(["image", "list", "--json"], home)) as? [[String: Any]])
        let custom = try #require(listed.first { $0["type"] as? String == "custom" }, "\(listed)")
        #expect(custom["present"] as? Bool == true, "\(listed)")
        #expect((custom["digest"] as? String)?.hasSuffix(digest) == true, "\(listed)")

        let project = try await cli.createProject("sessions demo", home: home)
        let session = try await ProjectStore(dataDirectory: home.data).startSession(projectID: project.id, label: "fixing tests")
        let sessions = try await cli.oubliette(["session", "list", "--project", project.id], home)
        #expect(sessions.status == 0 && sessions.stdout.contains(session.id) && sessions.stdout.contains("fixing tests"), "\(sessions.stdout)")
        let ended = try await cli.oubliette(["session", "end", session.id], home)
        #expect(ended.status == 0 && ended.stdout.contains("Ended session \(session.id)"), "\(ended.stderr)")
        let none = try #require(try cli.json(try await cli.oubliette(["session", "list", "--json"], home)) as? [Any])
        #expect(none.isEmpty)
        let unknown = try await cli.oubliette(["session", "end", session.id], home)
        #expect(unknown.status == 1 && unknown.stderr.hasPrefix("error: "), "\(unknown.stderr)")

        // The engine refuses to remove an image a container uses; once the project is gone it goes.
        let inUse = try await cli.oubliette(["image", "rm", "custom"], home)
        #expect(inUse.status == 1 && inUse.stderr.contains("could not remove"), "\(inUse.stderr)")
        _ = try await cli.services(home).projects.delete(id: project.id)
        let removed = try await cli.oubliette(["image", "rm", "custom"], home)
        #expect(removed.status == 0 && removed.stdout.contains("custom: removed \(image)"), "\(removed.stderr)")
        let after = try #require(try cli.json(try await cli.oubliette(["image", "list", "--json"], home)) as? [[String: Any]])
        #expect(after.first { $0["type"] as? String == "custom" }?["present"] as? Bool == false, "\(after)")
    }

    @Test func manPagesAreGeneratedFromTheCommandsAndRenderCleanly() async throws {
        let home = try cli.emptyHome("man")
        let pages = [
            ("oubliette", try await cli.oubliette(["--generate-manual"], home)),
            ("release-tool", try await release.releaseTool(["--generate-manual"])),
        ]
        for (tool, page) in pages {
            #expect(page.status == 0, "\(page.stderr)")
            #expect(page.stdout.hasPrefix(".TH \(tool.uppercased()) 1 "), "\(page.stdout.prefix(200))")
            #expect(page.stdout.contains(".SH EXIT STATUS"))
            // groff -ww warns about anything malformed; -z renders without output.
            let file = try bed.makeTemporaryDirectory("man").appendingPathComponent("\(tool).1")
            try page.stdout.write(to: file, atomically: true, encoding: .utf8)
            let rendered = try await ToolRunner.run("groff", ["-man", "-Tutf8", "-ww", "-z", file.path], check: false)
            #expect(rendered.status == 0 && rendered.stderr.isEmpty, "\(tool).1: \(rendered.stderr)")
        }
        let oubliette = pages[0].1.stdout
        #expect(oubliette.contains(#".SS "oubliette container stop""#))
        #expect(oubliette.contains(#"\fB\-\-yes\fR"#), "every option, as --help has it")
        #expect(oubliette.contains(#".SS "oubliette session end""#))
    }

    @Test func initWithoutATerminalKeepsTheDefaultImageSourceAndSaysSo() async throws {
        let quiet = try cli.emptyHome("init-source")
        let first = try await cli.oubliette(["init", "--no-pull"], quiet)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("image_source: prebuilt (the default; no terminal to ask on)"), "\(first.stderr)")
        #expect(try String(contentsOf: quiet.config, encoding: .utf8).contains(#""image_source": "prebuilt""#))
        let again = try await cli.oubliette(["init", "--no-pull"], quiet)
        #expect(again.status == 0 && !again.stderr.contains("image_source"), "an existing config is not asked about: \(again.stderr)")

        let build = try cli.emptyHome("init-build")
        let chosen = try await cli.oubliette(["init", "--image-source", "build"], build)
        #expect(chosen.status == 0, "\(chosen.stderr)")
        #expect(try String(contentsOf: build.config, encoding: .utf8).contains(#""image_source": "build""#))
        #expect(chosen.stdout.contains("images are built on first use"), "\(chosen.stdout)")
    }
}
