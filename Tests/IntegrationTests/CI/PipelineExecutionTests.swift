import Foundation
import OCIDistribution
import Testing

/// The generated pipelines' own commands, run here in order: `release.yml`'s jobs as a tag
/// push runs them (binaries → per-platform images → merge), and `.gitlab-ci.yml`'s script
/// lines. `uses:` steps get their documented local equivalents (checkout = a clone at the
/// tag, login = the bed's credentials in ~/.docker/config.json, artifacts = a directory);
/// the log printed at the end says which steps ran, were substituted or skipped, and why.
@Suite("CI pipelines executed on the test bed", .serialized)
struct PipelineExecutionTests {
    /// Run steps not run here, with the reason (each is named in the test's log).
    static func skipReason(job: String, step: String) -> String? {
        switch step {
        case "Install system libraries":
            return "system packages (apt-get via sudo on the runner); scripts/install-deps installed them here"
        case "Update the advisory database":
            return "downloads osv.dev's exports (no network here); Tests/Fixtures/osv is copied into its place"
        case "Build, strip and pack":
            return "the ~12-minute release build; the test's debug builds are staged and packed under the same archive names "
                + "(release-tool's archive holds the stand-in)"
        case "Verify the archives' attestations", "Verify the images' attestations":
            return "gh attestation verify needs GitHub's attestation API and Sigstore's trust root (not reachable here)"
        case "Verify the archives' bundles as self-update does":
            return "the bundles come from actions/attest (GitHub's OIDC token and Sigstore; a stand-in here); "
                + "verify-bundle itself runs on real and test-authority bundles (ConformanceBundleTests, TestAuthorityBundleTests)"
        case "Install with install.sh from the release":
            return "install.sh downloads from api.github.com and github.com (not reachable here)"
        default:
            return nil
        }
    }

    @Test(
        "release.yml: binaries, then the per-platform image job, then the merge job, with their real commands and wiring",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(15)))
    func githubRelease() async throws {
        let bed = TestBed.required
        let bench = try await WorkflowTestBench(bed: bed, label: "gha")
        let (workflow, _) = try bench.generated()
        let artifacts = bench.directory.appendingPathComponent("artifacts")
        let sha = try await ToolRunner.run("git", ["-C", bench.origin.path, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let github = [
            "ref": "refs/tags/\(bench.tag)", "ref_name": bench.tag, "ref_type": "tag", "event_name": "push", "sha": sha,
            "repository": "hyphagroup/oubliette", "repository_owner": "hyphagroup", "actor": bed.authUser, "run_id": "4242",
            "server_url": "https://github.com", "workflow": "Release", "token": bed.authPassword,
        ]
        let runner = LocalWorkflowRunner(workflow: workflow, directory: bench.directory.appendingPathComponent("run"), github: github)
        runner.secrets = ["GITHUB_TOKEN": bed.authPassword]
        var environment = try bench.baseEnvironment()
        environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        runner.baseEnvironment = environment
        let version = String(bench.tag.dropFirst())
        let stage = bench.directory.appendingPathComponent("stage")
        try await bench.standIn(at: stage.appendingPathComponent("release-tool"), registry: bench.namespace)
        runner.skip = { job, step, workspace, matrix, temp in
            if step == "Update the advisory database" {
                // osv.dev is not reachable here: the fixture advisories stand in for its exports.
                try FileManager.default.copyItem(
                    at: WorkflowTestBench.repositoryRoot.appendingPathComponent("Tests/Fixtures/osv"), to: temp.appendingPathComponent("vulndb"))
            }
            if step == "Build, strip and pack" {
                // What the build leaves for the next steps: the built binary in stage/ (the
                // glibc check reads it: the test's real build of that tool) and the archive in
                // dist/ (for release-tool, holding the stand-in the later jobs run).
                let tool = try #require(matrix["tool"])
                let dist = workspace.appendingPathComponent("dist"), staged = workspace.appendingPathComponent("stage")
                for directory in [dist, staged] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
                let built = WorkflowTestBench.releaseTool.deletingLastPathComponent().appendingPathComponent(tool)
                try FileManager.default.copyItem(at: built, to: staged.appendingPathComponent(tool))
                let archive = dist.appendingPathComponent("\(tool)-\(version)-\(matrix["os"] ?? "")-\(matrix["arch"] ?? "").tar.gz")
                try await ToolRunner.run("tar", ["-czf", archive.path, "-C", tool == "release-tool" ? stage.path : staged.path, tool])
            }
            return Self.skipReason(job: job, step: step)
        }
        var attested: [(name: String, digest: String)] = []
        var sarifUploads: [SarifUpload] = []
        var logins: [String] = []
        runner.substitute = { step in
            switch step.action {
            case "actions/checkout":
                let ref = try step.with("ref") ?? bench.tag
                try? FileManager.default.removeItem(at: step.workspace)
                try await ToolRunner.run("git", ["clone", "--quiet", "--no-hardlinks", bench.origin.path, step.workspace.path])
                try await ToolRunner.run("git", ["-C", step.workspace.path, "checkout", "--quiet", ref])
                return "git clone of the tagged repository, checked out at \(ref)"
            case "actions/cache":
                return "no cache (a cold run)"
            case "docker/login-action":
                let user = try step.with("username") ?? "", password = try step.with("password") ?? ""
                #expect(!user.isEmpty && !password.isEmpty, "\(step.name) gets credentials from the expressions")
                try bench.login(registry: bed.authRegistry, user: user, password: password)
                logins.append(try step.with("registry") ?? "docker.io")
                return "~/.docker/config.json entry for the bed's auth registry (\(user))"
            case "actions/upload-artifact":
                let name = try #require(try step.with("name")), path = try #require(try step.with("path"))
                let target = artifacts.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                // A directory uploads its contents; a glob, the files it matches.
                let copy = path.hasSuffix("/") ? "cp -r \"$1\". \"$2\"" : "cp -r $1 \"$2\""
                try await ToolRunner.run("/bin/bash", ["-c", copy, "_", path, target.path], currentDirectory: step.workspace)
                let count = try FileManager.default.contentsOfDirectory(atPath: target.path).count
                #expect(count > 0, "\(step.name) uploaded nothing from \(path)")
                return "copied \(path) to artifacts/\(name) (\(count) files)"
            case "actions/download-artifact":
                // A relative path is the workspace's (relativeTo: would resolve it against the workspace's parent).
                let given = try #require(try step.with("path"))
                let path = given.hasPrefix("/") ? URL(fileURLWithPath: given) : step.workspace.appendingPathComponent(given)
                try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
                var names: [String] = []
                if let name = try step.with("name") { names = [name] }
                if let pattern = try step.with("pattern") {
                    let prefix = String(pattern.dropLast())
                    names = try FileManager.default.contentsOfDirectory(atPath: artifacts.path).filter { $0.hasPrefix(prefix) }.sorted()
                }
                #expect(!names.isEmpty, "\(step.name) finds its artifacts")
                for name in names {
                    let source = artifacts.appendingPathComponent(name)
                    try await ToolRunner.run("/bin/cp", ["-r", source.path + "/.", path.path])
                }
                return "copied artifacts \(names.joined(separator: ", ")) to \(path.path)"
            case "actions/attest":
                if let digest = try step.with("subject-digest"), let name = try step.with("subject-name") {
                    attested.append((name, digest))
                    return "not run (needs GitHub's OIDC token and Sigstore); subject \(name)@\(digest) recorded and checked"
                }
                // actions/attest writes one bundle for all subject-path files and names it in its
                // `bundle-path` output; a stand-in file takes its place for the steps after it.
                let bundle = step.workspace.deletingLastPathComponent().appendingPathComponent("attestation-\(UUID().uuidString).sigstore.json")
                try Data(#"{"stand_in":"actions/attest, not run here"}"#.utf8).write(to: bundle)
                try step.setOutput("bundle-path", bundle.path)
                return "not run (needs GitHub's OIDC token and Sigstore); subject \(try step.with("subject-path") ?? ""), stand-in bundle-path"
            case "github/codeql-action/upload-sarif":
                let upload = try SarifUpload(path: try #require(try step.with("sarif_file")), category: try step.with("category"))
                sarifUploads.append(upload)
                return "not run (GitHub code-scanning API); \(upload.runs.count) runs of \(upload.path) checked against codeql-action's uniqueness rule"
            default:
                return nil
            }
        }

        // binaries-linux, every matrix entry: each archive holds the stand-in release-tool.
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        func include(_ job: String) throws -> [[String: String]] {
            try #require(
                (((jobs[job] as? [String: Any])?["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        }
        for entry in try include("binaries-linux") {
            try await runner.run(job: "binaries-linux", matrix: entry, workspace: bench.directory.appendingPathComponent("ws-binaries-\(entry["arch"] ?? "")"))
        }

        // images, one job per platform of the catalogue (both with the two-platform fixture).
        let platforms = try include("images")
        #expect(platforms.map { $0["platform"] ?? "" } == (bed.busyboxMultiImage == nil ? ["linux/amd64"] : ["linux/amd64", "linux/arm64"]))
        for entry in platforms {
            let arch = entry["arch"] ?? ""
            try await runner.run(job: "images", matrix: entry, workspace: bench.directory.appendingPathComponent("ws-images-\(arch)"))
            let digestFiles = try FileManager.default.contentsOfDirectory(atPath: artifacts.appendingPathComponent("digests-\(arch)").path)
            #expect(digestFiles == ["\(arch).json"])
        }
        if await WorkflowTestBench.hasFanOut() {
            for entry in platforms {
                let arch = entry["arch"] ?? ""
                let digests = try Data(contentsOf: artifacts.appendingPathComponent("digests-\(arch)/\(arch).json"))
                let json = try #require(try JSONSerialization.jsonObject(with: digests) as? [String: Any])
                #expect((json["images"] as? [[String: Any]])?.count == 2, "base and dev for \(entry["platform"] ?? "")")
            }
        } else {
            print("release-tool has no --push-by-digest/--merge: the per-platform step ran the one-process publish (single-process path)")
        }

        // publish (merge): tags, reads the digests back, "attests" each one.
        let outputs = try await runner.run(job: "publish", workspace: bench.directory.appendingPathComponent("ws-publish"))
        let client = RegistryClient(registry: bed.authRegistry, credentials: StaticCredentials(.basic(username: bed.authUser, password: bed.authPassword)))
        let namespacePath = String(bench.namespace.dropFirst(bed.authRegistry.count + 1))
        for type in ["base", "dev"] {
            let reference = try #require(outputs["\(type)-ref"], "publish job output \(type)-ref")
            let repository = "\(namespacePath)/oubliette-\(type)"
            #expect(reference.hasPrefix("\(bed.authRegistry)/\(repository)@sha256:"), "\(type)-ref = \(reference)")
            let tagged = try await client.manifestDescriptor(repository: try RepositoryName(repository), reference: .tag(bench.tag))
            #expect(tagged?.digest.description == reference.split(separator: "@").last.map(String.init), "\(repository):\(bench.tag) is the merged digest")
            #expect(attested.contains { $0.name == "\(bed.authRegistry)/\(repository)" && $0.digest == tagged?.digest.description })
            if bed.busyboxMultiImage != nil {
                // The merge job made one index of both per-platform jobs' manifests.
                let inspect = try await ToolRunner.run(
                    WorkflowTestBench.releaseTool.path, ["registry", "inspect", "\(bed.authRegistry)/\(repository):\(bench.tag)", "--json"],
                    environment: [
                        "OUBLIETTE_REGISTRY_HOST": bed.authRegistry, "OUBLIETTE_REGISTRY_USER": bed.authUser,
                        "OUBLIETTE_REGISTRY_PASSWORD": bed.authPassword,
                    ])
                #expect(inspect.stdout.contains("arm64") && inspect.stdout.contains("amd64"), "\(inspect.stdout)")
            }
        }
        #expect(Set(logins).isSuperset(of: ["ghcr.io"]), "the ghcr.io login steps ran (as the bed's)")
        let summary = runner.summaries.values.joined()
        #expect(summary.contains("### Published images") && summary.contains(bench.tag))

        // The merge job inspected the indexes and decided the release flags: the newest stable tag.
        #expect(outputs["latest"] == "true" && outputs["prerelease"] == "false", "\(outputs)")
        #expect(runner.log.contains { if case .ran(_, "Inspect the published indexes") = $0 { true } else { false } })

        // scan: one SARIF upload per image, which codeql-action accepts (distinct run keys per
        // upload, and a category of its own per image so neither analysis replaces the other).
        try await runner.run(job: "scan", workspace: bench.directory.appendingPathComponent("ws-scan"))
        #expect(sarifUploads.count == 2, "one upload per image")
        #expect(SarifUpload.violations(sarifUploads).isEmpty, "\(SarifUpload.violations(sarifUploads))")
        // The rule can fail: the same files in one upload under one category (the old workflow) are refused.
        let combined = SarifUpload(path: "combined", category: "images", runs: sarifUploads.flatMap(\.runs))
        #expect(!SarifUpload.violations([combined]).isEmpty, "both images' runs in one upload must be refused")

        // github-release and verify, against a stand-in for gh that keeps the release in a directory.
        let gh = try FakeGitHubCLI(directory: bench.directory.appendingPathComponent("gh"))
        runner.baseEnvironment["PATH"] = "\(gh.bin.path):/usr/sbin:/usr/bin:/sbin:/bin"
        runner.baseEnvironment["FAKE_GH_DIR"] = gh.directory.path
        try await runner.run(job: "github-release", workspace: bench.directory.appendingPathComponent("ws-release"))
        let calls = try gh.calls()
        #expect(calls.contains { $0.hasPrefix("release create \(bench.tag) ") && $0.contains(" --draft ") && !$0.contains("--prerelease") }, "\(calls)")
        #expect(calls.last == "release edit \(bench.tag) --repo hyphagroup/oubliette --draft=false --latest=true", "\(calls)")
        let assets = try gh.assets(tag: bench.tag)
        #expect(assets.contains("SHA256SUMS") && assets.contains("oubliette-\(version)-linux-x86_64.tar.gz"), "\(assets)")
        try await runner.run(job: "verify", workspace: bench.directory.appendingPathComponent("ws-verify"))
        for step in ["Download the release and check SHA256SUMS", "Pull each image by its digest"] {
            #expect(runner.log.contains { if case .ran("verify", step) = $0 { true } else { false } }, "verify ran \(step)")
        }
        #expect(runner.log.contains { if case .skipped("verify", "Verify the images' signatures with release-tool verify", _) = $0 { true } else { false } })
        // A tampered asset fails the verify job.
        try gh.tamper(tag: bench.tag, asset: "oubliette-\(version)-linux-x86_64.tar.gz")
        await #expect(throws: LocalWorkflowRunner.StepFailure.self) {
            try await runner.run(job: "verify", workspace: bench.directory.appendingPathComponent("ws-verify-tampered"))
        }

        let executed = runner.log.map(\.description).joined(separator: "\n")
        print("release.yml executed here:\n\(executed)")
        #expect(
            runner.log.contains(
                .skipped(job: "images (x86_64, linux/amd64, ubuntu-24.04)", step: "Log in to Docker Hub", why: "if: env.DOCKERHUB_LOGIN == 'true' is false")))
        #expect(runner.log.contains { if case .skipped(_, "Merge, tag and sign", _) = $0 { true } else { false } }, "no key secret: unsigned")
        #expect(runner.log.contains { if case .ran(_, "Merge and tag") = $0 { true } else { false } })
        // The glibc floor check ran on the real binaries of every Linux matrix entry.
        #expect(runner.log.filter { if case .ran(_, "Check the glibc floor") = $0 { true } else { false } }.count == 4)
        // Attested: each platform manifest (images jobs) and each index (merge job).
        #expect(attested.count == 2 * platforms.count + 2, "\(attested)")
    }

    /// The run script of `step` (a name prefix) in `job` of a parsed workflow.
    static func script(_ workflow: [String: Any], job: String, step: String) throws -> String {
        let steps = try #require(((workflow["jobs"] as? [String: Any])?[job] as? [String: Any])?["steps"] as? [[String: Any]])
        return try #require(steps.first { ($0["name"] as? String)?.hasPrefix(step) == true }?["run"] as? String, "\(job) / \(step)")
    }

    @Test(
        "release.yml's latest/prerelease decision: the newest stable tag is Latest, a backport and a prerelease are not",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(3)))
    func releaseFlags() async throws {
        let bench = try await WorkflowTestBench(bed: TestBed.required, label: "flags")
        let (workflow, _) = try bench.generated()
        let decide = try Self.script(workflow, job: "publish", step: "Decide the GitHub Release")
        let dates = ["GIT_COMMITTER_DATE": "2024-03-05T05:06:07Z", "GIT_AUTHOR_DATE": "2024-03-05T05:06:07Z"]
        func git(_ arguments: String...) async throws {
            try await ToolRunner.run(
                "git", ["-C", bench.origin.path, "-c", "user.name=CI Test", "-c", "user.email=ci@example.invalid"] + arguments, environment: dates)
        }
        // bench.tag (v9.8.N) is on the first commit; a newer line and a prerelease come after it.
        try await git("commit", "--quiet", "--allow-empty", "-m", "9.9")
        try await git("tag", "-a", "v9.9.0", "-m", "v9.9.0")
        try await git("commit", "--quiet", "--allow-empty", "-m", "10.0 rc")
        try await git("tag", "-a", "v10.0.0-rc.1", "-m", "v10.0.0-rc.1")
        var decided: [String: String] = [:]
        for tag in [bench.tag, "v9.9.0", "v10.0.0-rc.1"] {
            try await git("checkout", "--quiet", tag)
            let temp = bench.directory.appendingPathComponent("flags-\(tag)")
            try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
            let output = temp.appendingPathComponent("output")
            let result = try await ToolRunner.run(
                "/bin/bash", ["-e", "-c", decide],
                environment: [
                    "RELEASE_TAG": tag, "RUNNER_TEMP": temp.path, "GITHUB_OUTPUT": output.path,
                    "PATH": "\(WorkflowTestBench.releaseTool.deletingLastPathComponent().path):/usr/bin:/bin",
                ], currentDirectory: bench.origin, check: false)
            #expect(result.succeeded, "\(tag): \(result.stderr)")
            let pairs = LocalWorkflowRunner.keyValues((try? String(contentsOf: output, encoding: .utf8)) ?? "")
            decided[tag] = pairs.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        }
        #expect(decided[bench.tag] == "latest=false prerelease=false", "a backport of an older line is not Latest")
        #expect(decided["v9.9.0"] == "latest=true prerelease=false")
        #expect(decided["v10.0.0-rc.1"] == "latest=false prerelease=true")
        // The release job passes those flags to gh as they are.
        let create = try Self.script(workflow, job: "github-release", step: "Create the release")
        #expect(create.contains("--latest=\"$LATEST\"") && create.contains("if [ \"$PRERELEASE\" = true ]; then prerelease=(--prerelease)"))
    }

    /// GitLab script lines not run here, with the reason.
    static func gitlabSkipReason(_ line: String) -> String? {
        if line.hasPrefix("apt-get ") { return "system packages; scripts/install-deps installed them here" }
        if line.hasPrefix("swift build -c release") || line.hasPrefix("mkdir -p .ci-out/dist && cp") {
            return "the release build; the stand-in release-tool is in its place"
        }
        return nil
    }

    @Test(
        ".gitlab-ci.yml: release-tool and image jobs per platform, then the merge job, script lines run with GitLab's CI variables",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(15)))
    func gitlabRelease() async throws {
        let bed = TestBed.required
        let bench = try await WorkflowTestBench(bed: bed, label: "glab")
        let (_, pipeline) = try bench.generated()
        var environment = try bench.baseEnvironment()
        environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        let variables = [
            "CI": "true", "GITLAB_CI": "true", "CI_COMMIT_TAG": bench.tag, "CI_REGISTRY": bed.authRegistry,
            "CI_REGISTRY_USER": bed.authUser, "CI_JOB_TOKEN": bench.bed.authPassword, "CI_REGISTRY_IMAGE": bench.namespace,
        ]
        var log: [String] = []
        var outputs: URL?
        func run(_ job: String, matrix: [String: String]) async throws {
            let definition = try #require(pipeline[job] as? [String: Any], "job \(job)")
            let workspace = bench.directory.appendingPathComponent("ws-\(job)-\(matrix["ARCH"] ?? "")")
            try await ToolRunner.run("git", ["clone", "--quiet", bench.origin.path, workspace.path])
            try await ToolRunner.run("git", ["-C", workspace.path, "checkout", "--quiet", bench.tag])
            // Artifacts: the previous jobs' .ci-out directory.
            if let outputs { try await ToolRunner.run("/bin/cp", ["-r", outputs.path, workspace.appendingPathComponent(".ci-out").path]) }
            var jobVariables = variables.merging(matrix) { _, new in new }
            for (key, value) in definition["variables"] as? [String: String] ?? [:] { jobVariables[key] = value }
            jobVariables["CI_PROJECT_DIR"] = workspace.path
            var lines: [String] = []
            for line in try #require(definition["script"] as? [String]) {
                if line.contains("buildah login ") {
                    // Login = the bed's credentials; the bed's registry speaks plain HTTP.
                    lines.append(line.replacingOccurrences(of: "buildah login ", with: "buildah login --tls-verify=false "))
                    log.append("ran      \(job): \(line)  (with --tls-verify=false: the bed's registry is plain HTTP)")
                } else if let why = Self.gitlabSkipReason(line) {
                    log.append("skipped  \(job): \(line)  (\(why))")
                } else {
                    lines.append(line)
                    log.append("ran      \(job): \(line)")
                }
            }
            if job == "release-tool" {
                try await bench.standIn(at: workspace.appendingPathComponent(".ci-out/dist/release-tool-linux-\(matrix["ARCH"] ?? "")"), registry: nil)
                log.append("stand-in \(job): .ci-out/dist/release-tool-linux-\(matrix["ARCH"] ?? "") = the test's release-tool")
            }
            let script = "set -eo pipefail\n" + lines.joined(separator: "\n") + "\n"
            let result = try await ToolRunner.run(
                "/bin/bash", ["-c", script], environment: environment.merging(jobVariables) { _, new in new }, currentDirectory: workspace,
                check: false, timeout: 1200)
            #expect(result.succeeded, "\(job) failed (\(result.status)):\n\(result.stdout.suffix(2000))\n\(result.stderr.suffix(3000))")
            guard result.succeeded else { throw ToolRunnerError.failed(command: job, status: result.status, stderr: result.stderr, stdout: result.stdout) }
            outputs = workspace.appendingPathComponent(".ci-out")
        }
        let matrix = try #require(
            ((pipeline["images"] as? [String: Any])?["parallel"] as? [String: Any]).flatMap { $0["matrix"] as? [[String: String]] })
        for entry in matrix { try await run("release-tool", matrix: entry) }
        for entry in matrix { try await run("images", matrix: entry) }
        try await run("merge", matrix: [:])
        print(".gitlab-ci.yml executed here:\n" + log.joined(separator: "\n"))

        let published = try String(contentsOf: try #require(outputs).appendingPathComponent("published.txt"), encoding: .utf8)
        let client = RegistryClient(registry: bed.authRegistry, credentials: StaticCredentials(.basic(username: bed.authUser, password: bed.authPassword)))
        let namespacePath = String(bench.namespace.dropFirst(bed.authRegistry.count + 1))
        for type in ["base", "dev"] {
            let repository = "\(namespacePath)/oubliette-\(type)"
            let tagged = try #require(try await client.manifestDescriptor(repository: try RepositoryName(repository), reference: .tag(bench.tag)))
            #expect(published.contains("\(bed.authRegistry)/\(repository):\(bench.tag)@\(tagged.digest)"), "\(published)")
        }
    }
}
