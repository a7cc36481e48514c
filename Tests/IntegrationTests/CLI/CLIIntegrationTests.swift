import ContainerRuntimes
import Foundation
import OCIDistribution
import OublietteCore
import Testing

/// The built `oubliette` binary against the bed's dockerd and registry.
@Suite("oubliette CLI", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct CLIIntegrationTests {
    let bed = TestBed.required

    struct Home {
        let root: URL
        let config: URL
        let data: URL
        var environment: [String: String]
    }

    /// An empty HOME; config and data at their XDG defaults under it.
    func emptyHome(_ label: String) throws -> Home {
        let root = try bed.makeTemporaryDirectory("cli-\(label)")
        return Home(
            root: root, config: root.appendingPathComponent(".config/oubliette/oubliette.jsonc"),
            data: root.appendingPathComponent(".local/share/oubliette"),
            environment: [
                "HOME": root.path, "OUBLIETTE_CONFIG": "", "OUBLIETTE_DATA_DIR": "", "XDG_CONFIG_HOME": "",
                "XDG_DATA_HOME": "", "DOCKER_HOST": bed.dockerHost, "OUBLIETTE_DEV": "",
                "OUBLIETTE_CONTAINER_NETWORK": "none", "OUBLIETTE_STOP_TIMEOUT": "5",
            ])
    }

    /// A home whose config has one type, `custom`, at a fresh repository holding a long-running image.
    func homeWithCustomType(_ label: String, updateCheck: String = "always") async throws -> (Home, String, String) {
        let home = try emptyHome(label)
        let image = "\(bed.registry)/cli/\(label)-\(UUID().uuidString.prefix(8).lowercased()):1"
        let digest = try await TestImages.push(image, version: "v1.0.12", marker: "one", bed: bed)
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ \"containers\": { \"custom\": \"\(image)\" }, \"update_check\": \"\(updateCheck)\" }"
            .write(to: home.config, atomically: true, encoding: .utf8)
        return (home, image, digest)
    }

    func oubliette(_ arguments: [String], _ home: Home) async throws -> ToolResult {
        let binary = TestImages.oublietteBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the oubliette product first")
        return try await ToolRunner.run(binary.path, arguments, environment: home.environment, check: false, timeout: 120)
    }

    func json(_ result: ToolResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// A project created in-process (what the server's project_create does) in `home`'s data dir.
    func createProject(_ name: String, home: Home) async throws -> ProjectInfo {
        try await services(home).projects.create(name: name, type: "custom")
    }

    /// The object graph a command would build for `home`.
    func services(_ home: Home, runtime: (any ContainerRuntime)? = nil) throws -> OublietteServices {
        let paths = OubliettePaths(configFile: home.config, dataDirectory: home.data)
        let config = try OublietteConfig.load(paths: paths, environment: [:])
        return OublietteServices(
            paths: paths, config: config, runtime: try runtime ?? docker(),
            options: .init(settings: ContainerSettings(network: .none, stopTimeout: .seconds(5))))
    }

    func docker() throws -> DockerRuntime {
        try DockerRuntime(endpoint: DockerEndpoint(parsing: bed.dockerHost))
    }

    // MARK: init

    @Test func initOnAnEmptyHomeWritesConfigTokenAndPullsImages() async throws {
        let home = try emptyHome("init")
        let base = "\(bed.registry)/cli-init/\(UUID().uuidString.prefix(8).lowercased())/base"
        let dev = "\(bed.registry)/cli-init/\(UUID().uuidString.prefix(8).lowercased())/dev"
        for repository in [base, dev] {
            try await ToolRunner.run(
                "skopeo",
                [
                    "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                    "docker://\(bed.busyboxImage)", "docker://\(repository):latest",
                ])
        }
        let catalogue = home.root.appendingPathComponent("catalogue.jsonc")
        try """
        { "images": [
          { "type": "base", "repository": "\(base)", "summary": "test base" },
          { "type": "dev", "repository": "\(dev)", "parent": "base", "summary": "test dev" },
        ] }
        """.write(to: catalogue, atomically: true, encoding: .utf8)

        let first = try await oubliette(["init", "--catalogue", catalogue.path, "--progress", "plain", "--json"], home)
        #expect(first.status == 0, "\(first.stderr)")
        let report = try #require(try json(first) as? [String: Any])
        #expect((report["config"] as? [String: Any])?["action"] as? String == "written")
        let images = try #require(report["images"] as? [[String: Any]])
        #expect(images.map { $0["pulled"] as? Bool } == [true, true], "\(images)")
        #expect(try await docker().imageExists(try ImageReference(parsing: "\(base):latest")))

        let text = try String(contentsOf: home.config, encoding: .utf8)
        #expect(text.contains("\"base\": \"\(base):latest\""))
        #expect(text.contains("// How images are obtained"))
        let check = try await oubliette(["config", "check"], home)
        #expect(check.status == 0, "the written config must load: \(check.stderr)")

        let token = ServerToken.file(in: home.data)
        let attributes = try FileManager.default.attributesOfItem(atPath: token.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(ServerToken.read(dataDirectory: home.data)?.count == 64)

        // A second init keeps the file; --force replaces it and keeps a backup.
        try (text + "// my edit\n").write(to: home.config, atomically: true, encoding: .utf8)
        let again = try await oubliette(["init", "--no-pull"], home)
        #expect(again.status == 0)
        #expect(again.stdout.contains("Kept the existing"))
        #expect(try String(contentsOf: home.config, encoding: .utf8).hasSuffix("// my edit\n"))
        let forced = try await oubliette(["init", "--no-pull", "--force"], home)
        #expect(forced.status == 0, "\(forced.stderr)")
        let backups = try FileManager.default.contentsOfDirectory(atPath: home.config.deletingLastPathComponent().path)
            .filter { $0.hasPrefix("oubliette.jsonc.bak-") }
        #expect(backups.count == 1)
        let backup = home.config.deletingLastPathComponent().appendingPathComponent(backups.first ?? "")
        #expect(try String(contentsOf: backup, encoding: .utf8).hasSuffix("// my edit\n"))
        #expect(!(try String(contentsOf: home.config, encoding: .utf8)).contains("// my edit"))
    }

    @Test func initWithTheRegistryDownWarnsAndSucceeds() async throws {
        let home = try emptyHome("init-down")
        let catalogue = home.root.appendingPathComponent("catalogue.jsonc")
        try #"{ "images": [ { "type": "base", "repository": "127.0.0.1:1/nothing/base", "summary": "down" } ] }"#
            .write(to: catalogue, atomically: true, encoding: .utf8)
        let result = try await oubliette(["init", "--catalogue", catalogue.path, "--progress", "plain"], home)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: could not pull 127.0.0.1:1/nothing/base:latest"), "\(result.stderr)")
        #expect(result.stderr.contains("docker pull 127.0.0.1:1/nothing/base:latest"))
        #expect(FileManager.default.fileExists(atPath: home.config.path))
    }

    // MARK: container list / refresh / stop

    @Test func containerListRefreshAndStop() async throws {
        let (home, image, _) = try await homeWithCustomType("containers")
        let project = try await createProject("cli demo", home: home)
        let firstContainer = try #require(project.containerID)

        let list = try await oubliette(["container", "list"], home)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("PROJECT ID") == true && lines.first?.contains("IMAGE") == true && lines.first?.contains("STATUS") == true)
        #expect(lines.contains { $0.hasPrefix(project.id) && $0.contains(image) && $0.contains("Up") }, "\(list.stdout)")
        let listed = try await #require(try json(try oubliette(["container", "list", "--json"], home)) as? [[String: Any]])
        #expect(listed.first?["project_id"] as? String == project.id)
        #expect(listed.first?["state"] as? String == "running")

        // Refused while a session is active, naming how many.
        let store = ProjectStore(dataDirectory: home.data)
        let one = try await store.startSession(projectID: project.id, label: nil)
        let two = try await store.startSession(projectID: project.id, label: nil)
        let refused = try await oubliette(["container", "refresh", project.id, "--progress", "plain"], home)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has 2 active sessions"), "\(refused.stderr)")
        try await store.endSession(id: one.id)
        try await store.endSession(id: two.id)

        // A running container is replaced only after a yes; without a terminal, --yes gives it.
        let unasked = try await oubliette(["container", "refresh", project.id, "--progress", "plain"], home)
        #expect(unasked.status == 4, "\(unasked.stderr)")
        #expect(unasked.stderr.contains("project \(project.id) is running") && unasked.stderr.contains("pass --yes"), "\(unasked.stderr)")
        #expect(try await store.project(id: project.id).containerID == firstContainer, "nothing was done")
        let refreshed = try await oubliette(["container", "refresh", project.id, "--progress", "plain", "--yes"], home)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        let steps = refreshed.stdout.split(separator: "\n").map(String.init)
        #expect(steps.first?.hasPrefix("Refreshing \(project.id)") == true, "\(refreshed.stdout)")
        #expect(steps.contains("Pulling \(try ImageReference(parsing: image).description)..."))
        #expect(steps.contains("Restarting \(project.id)'s container (the old one gets 5 s to exit)..."), "\(refreshed.stdout)")
        #expect(steps.last == "Done.")
        let afterRefresh = try await store.project(id: project.id)
        #expect(afterRefresh.containerID != firstContainer)

        // No ID: every running project; --json parses.
        let all = try await oubliette(["container", "refresh", "--json", "--progress", "plain", "--yes"], home)
        #expect(all.status == 0, "\(all.stderr)")
        let allReport = try #require(try json(all) as? [String: Any])
        #expect((allReport["refreshed"] as? [[String: Any]])?.first?["project_id"] as? String == project.id)

        let session = try await store.startSession(projectID: project.id, label: nil)
        let refusedStop = try await oubliette(["container", "stop", project.id], home)
        #expect(refusedStop.status == 4, "\(refusedStop.stderr)")
        #expect(refusedStop.stderr.contains("project \(project.id) is running with 1 active session"), "\(refusedStop.stderr)")
        try await store.endSession(id: session.id)
        let stopped = try await oubliette(["container", "stop", project.id, "--yes"], home)
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(stopped.stdout.contains("Stopped \(project.id)."))
        #expect(stopped.stderr.contains("Stopping \(project.id) (it gets 5 s to exit before it is killed)..."), "\(stopped.stderr)")
        let state = try await docker().listContainers(labels: [ContainerSettings.projectLabel: project.id]).first?.state
        #expect(state == .exited)
        let stopAll = try await oubliette(["container", "stop", "--all", "--json"], home)
        #expect((try json(stopAll) as? [[String: Any]])?.first?["was_running"] as? Bool == false)
        let neither = try await oubliette(["container", "stop"], home)
        #expect(neither.status == 2 && neither.stderr.contains("give either a project ID or --all"))

        let unknown = try await oubliette(["container", "refresh", "nope"], home)
        #expect(unknown.status == 1 && unknown.stderr.contains("no project with id 'nope'"))
        _ = try await services(home).projects.delete(id: project.id)
    }

    // MARK: status, update, rollback

    @Test func statusShowsProvenanceAndUpdates() async throws {
        let (home, image, firstDigest) = try await homeWithCustomType("status")
        let pull = try await oubliette(["image", "pull", "custom", "--progress", "plain"], home)
        #expect(pull.status == 0, "\(pull.stderr)")

        let status = try await oubliette(["status"], home)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("Runtime: docker"))
        // The runtime's platform, and the image's as checked before the pull.
        #expect(status.stdout.contains(", runs linux/amd64"), "\(status.stdout)")
        #expect(status.stdout.contains("Platform of custom: linux/amd64 (published: linux/amd64)"), "\(status.stdout)")
        let row = status.stdout.split(separator: "\n").first { $0.hasPrefix("custom") }.map(String.init) ?? ""
        #expect(row.contains("v1.0.12 (prebuilt from \(bed.registry))"), "\(status.stdout)")
        #expect(row.hasSuffix("no"), "no update yet: \(row)")

        try await TestImages.push(image, version: "v1.0.13", marker: "two", bed: bed)
        let report = try await #require(try json(try oubliette(["status", "--json"], home)) as? [String: Any])
        let custom = try #require((report["types"] as? [[String: Any]])?.first { $0["type"] as? String == "custom" })
        #expect(custom["update"] as? String == "available")
        #expect(custom["local_digest"] as? String == firstDigest)
        #expect(custom["source"] as? String == "prebuilt")
    }

    @Test func refreshRebuildsFromTheConfiguredSourceDirectory() async throws {
        let home = try emptyHome("refresh-build")
        let image = "\(bed.registry)/cli/refresh-build-\(UUID().uuidString.prefix(8).lowercased()):1"
        _ = try await TestImages.push(image, version: "v1.0.12", marker: "pulled", bed: bed)
        // A checkout elsewhere (refresh runs from another directory): base builds on the pushed image.
        let source = home.root.appendingPathComponent("checkout")
        let dockerfile = source.appendingPathComponent("containers/base/Dockerfile")
        try FileManager.default.createDirectory(at: dockerfile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "FROM \(image)\nLABEL built.from=checkout\n".write(to: dockerfile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: home.config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "{ \"containers\": { \"base\": \"\(image)\" }, \"source_dir\": \"\(source.path)\" }"
            .write(to: home.config, atomically: true, encoding: .utf8)
        let project = try await services(home).projects.create(name: "refresh build", type: "base")

        let refresh = try await oubliette(["container", "refresh", project.id, "--rebuild-image", "--yes", "--json"], home)
        #expect(refresh.status == 0, "\(refresh.stderr)")
        let engine = try docker()
        let built = try await engine.inspectImage(try ImageReference(parsing: image))
        #expect(built.labels["built.from"] == "checkout")
        let container = try #require(try await engine.listContainers(labels: [ContainerSettings.projectLabel: project.id]).first)
        #expect(container.id != project.containerID && container.state == .running)
        _ = try await services(home).projects.delete(id: project.id)
        // The builder's output reaches stderr, prefixed with the type; --quiet hides it.
        #expect(refresh.stderr.contains("[build base] Step 1/4 : FROM \(image)"), "\(refresh.stderr)")
        let quiet = try await oubliette(["image", "pull", "base", "--build", "--quiet"], home)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("[build "), "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("Step 1/4"), "\(quiet.stderr)")
    }

    @Test func updateThenRollbackRoundTrip() async throws {
        let (home, image, firstDigest) = try await homeWithCustomType("update")
        let project = try await createProject("update demo", home: home)
        let reference = try ImageReference(parsing: image)
        let secondDigest = try await TestImages.push(image, version: "v1.0.13", marker: "two", bed: bed)

        let conflicting = try await oubliette(["update", "--pull-image", "--rebuild-image"], home)
        #expect(conflicting.status == 2)
        #expect(conflicting.stderr.contains("--pull-image and --rebuild-image cannot be used together"), "\(conflicting.stderr)")
        // A rebuild that would replace a running container asks first; no terminal and no --yes: nothing done.
        let unasked = try await oubliette(["update", "--type", "custom", "--rebuild-image"], home)
        #expect(unasked.status == 4 && unasked.stderr.contains("project \(project.id) is running"), "\(unasked.stderr)")
        #expect(unasked.stderr.contains("pass --yes"), "\(unasked.stderr)")
        let rebuild = try await oubliette(["update", "--type", "custom", "--rebuild-image", "--yes"], home)
        #expect(rebuild.status == 1 && rebuild.stderr.contains("container type 'custom' has no Dockerfile in the image catalogue"), "\(rebuild.stderr)")

        let update = try await oubliette(["update", "--type", "custom", "--json", "--progress", "plain"], home)
        #expect(update.status == 0, "\(update.stderr)")
        let updated = try #require((try json(update) as? [[String: Any]])?.first)
        #expect(updated["previous_digest"] as? String == firstDigest)
        #expect(updated["current_digest"] as? String == secondDigest)
        #expect(updated["recreated"] as? [String] == [project.id])
        let engine = try docker()
        #expect(try await engine.inspectImage(ImageUpdater.previousReference(of: reference)).repoDigest(for: reference)?.description == firstDigest)
        let afterUpdate = try #require(try await engine.listContainers(labels: [ContainerSettings.projectLabel: project.id]).first)
        #expect(afterUpdate.id != project.containerID && afterUpdate.state == .running)

        let rollback = try await oubliette(["update", "--type", "custom", "--rollback", "--json"], home)
        #expect(rollback.status == 0, "\(rollback.stderr)")
        let rolled = try #require((try json(rollback) as? [[String: Any]])?.first)
        #expect(rolled["current_digest"] as? String == firstDigest)
        #expect(rolled["recreated"] as? [String] == [project.id])
        let local = try await engine.inspectImage(reference)
        #expect(local.labels["test.marker"] == "one", "the rolled-back image is the first push")
        let afterRollback = try #require(try await engine.listContainers(labels: [ContainerSettings.projectLabel: project.id]).first)
        #expect(afterRollback.id != afterUpdate.id && afterRollback.state == .running)

        let status = try await oubliette(["status"], home)
        #expect(status.stdout.contains("v1.0.12 (prebuilt from \(bed.registry))"), "\(status.stdout)")
        _ = try await services(home, runtime: engine).projects.delete(id: project.id)
    }
}
