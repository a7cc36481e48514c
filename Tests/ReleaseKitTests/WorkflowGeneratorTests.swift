import Foundation
import OCIDistribution
import OublietteCore
import Testing
import Yams

@testable import ReleaseKit

@Suite("Workflow generation")
struct WorkflowGeneratorTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The checked-in pins, which the committed workflows are generated from.
    static func pins() throws -> ActionPins { try ActionPins.load(root: repositoryRoot) }

    func generator(_ catalogue: ImageCatalogue = .shipped, catalogueFile: String? = nil, swiftVersion: String = "6.3") throws
        -> WorkflowGenerator
    {
        WorkflowGenerator(catalogue: catalogue, catalogueFile: catalogueFile, pins: try Self.pins(), swiftVersion: swiftVersion)
    }

    func parse(_ yaml: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: yaml) as? [String: Any])
    }

    func jobs(_ yaml: String) throws -> [String: [String: Any]] {
        try #require(try parse(yaml)["jobs"] as? [String: [String: Any]])
    }

    func steps(_ job: [String: Any]) throws -> [[String: Any]] {
        try #require(job["steps"] as? [[String: Any]])
    }

    func step(_ job: [String: Any], named prefix: String) throws -> [String: Any] {
        try #require(try steps(job).first { ($0["name"] as? String)?.hasPrefix(prefix) == true }, "step \(prefix)")
    }

    @Test("every uses: in every generated workflow is a pinned full SHA with its version comment, from the pins file")
    func pinnedActions() throws {
        let pins = try Self.pins()
        let files = try generator().files(target: .github).filter { $0.path.hasPrefix(".github/workflows/") }
        #expect(files.count == 3)
        var seen = 0
        for file in files {
            for line in file.contents.split(separator: "\n") where line.contains("uses:") {
                let text = line.trimmingCharacters(in: .whitespaces)
                let match = text.wholeMatch(of: /-? ?uses: ([A-Za-z0-9_.\/-]+)@([0-9a-f]{40}) # (v[0-9.]+)/)
                let parts = try #require(match, "\(file.path): \(text)")
                let pin = try pins.pin(String(parts.1))
                #expect(pin.sha == String(parts.2) && pin.version == String(parts.3), "\(file.path): \(text)")
                seen += 1
            }
        }
        #expect(seen > 10)
        #expect(!files.contains { $0.contents.contains("setup-swift") }, "setup-swift has no Swift 6.3")
    }

    @Test("pins file errors name the line and column; an unpinned action is refused")
    func pinErrors() throws {
        let text = "runs:\n  steps:\n    - uses: actions/checkout@v4 # v4\n"
        #expect(throws: ActionPinsError.self) { try ActionPins.parse(text) }
        do {
            _ = try ActionPins.parse(text)
        } catch {
            #expect(error.description.contains("action.yml:3:7"), "\(error)")
            #expect(error.description.contains("40-character"))
        }
        do {
            _ = try ActionPins.parse("    - uses: actions/cache@\(String(repeating: "a", count: 40))\n")
        } catch {
            #expect(error.description.contains(":1:7") && error.description.contains("version comment"), "\(error)")
        }
        let one = try ActionPins.parse("- uses: actions/cache@\(String(repeating: "b", count: 40)) # v9.9.9\n")
        #expect(throws: ActionPinsError.missing(action: "actions/checkout", file: ActionPins.path)) {
            _ = try WorkflowGenerator(catalogue: .shipped, pins: one).releaseWorkflow()
        }
    }

    @Test("release.yml: tag and dispatch triggers, one queue, per-platform image jobs, merge job, least privilege")
    func releaseStructure() throws {
        let yaml = try generator().releaseWorkflow()
        let document = try parse(yaml)
        let on = try #require(document["on"] as? [String: Any])
        #expect((on["push"] as? [String: Any])?["tags"] as? [String] == ["v*"])
        let inputs = try #require((on["workflow_dispatch"] as? [String: Any])?["inputs"] as? [String: [String: Any]])
        #expect(inputs.keys.sorted() == ["fail-on", "force", "tag"])
        #expect(inputs["force"]?["default"] as? Bool == false)
        #expect((inputs["force"]?["description"] as? String)?.contains("--force") == true)
        #expect(inputs["fail-on"]?["default"] as? String == "none")
        #expect(document["concurrency"] as? [String: AnyHashable] == ["group": "release", "cancel-in-progress": false])
        #expect(document["permissions"] as? [String: String] == ["contents": "read"])

        let jobs = try jobs(yaml)
        #expect(jobs.keys.sorted() == ["binaries-linux", "binaries-macos", "github-release", "images", "publish", "scan"])
        for (name, job) in jobs {
            #expect(job["timeout-minutes"] is Int, "\(name) has a timeout")
            for step in try steps(job) where (step["uses"] as? String)?.hasPrefix("actions/checkout@") == true {
                #expect((step["with"] as? [String: Any])?["persist-credentials"] as? Bool == false, "\(name) checkout")
            }
            // Values reach scripts through env:, never by ${{ }} substitution into shell.
            for step in try steps(job) {
                #expect((step["run"] as? String)?.contains("${{") != true, "\(name): \(step["name"] ?? "")")
            }
        }
        let permissions = jobs.mapValues { $0["permissions"] as? [String: String] ?? [:] }
        #expect(permissions["images"] == ["contents": "read", "packages": "write"])
        #expect(permissions["publish"] == ["contents": "read", "packages": "write", "id-token": "write", "attestations": "write"])
        #expect(permissions["scan"] == ["contents": "read", "packages": "read", "security-events": "write"])
        #expect(permissions["github-release"] == ["contents": "write"])
        #expect(permissions.filter { $0.value["packages"] == "write" }.keys.sorted() == ["images", "publish"])
        #expect(permissions.filter { $0.value["security-events"] != nil }.keys.sorted() == ["scan"])

        // Per platform on native runners, buildah, push by digest, digests as artifacts.
        let images = try #require(jobs["images"])
        let include = try #require(((images["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        #expect(include.map { $0["platform"] ?? "" } == ["linux/amd64", "linux/arm64"])
        #expect(include.map { $0["runner"] ?? "" } == ["ubuntu-24.04", "ubuntu-24.04-arm"])
        #expect(images["needs"] as? [String] == ["binaries-linux"])
        let publish = try #require(try step(images, named: "Build and push")["run"] as? String)
        for needle in [
            "release-tool publish --builder buildah", "--platform \"$PLATFORM\"", "--push-by-digest", "--digests-out \"$RUNNER_TEMP/digests/$ARCH.json\"",
            "--force",
        ] {
            #expect(publish.contains(needle), "publish lacks \(needle)")
        }
        #expect(!yaml.contains("docker-buildx"), "buildah, the builder the tests run")
        for job in jobs.values {
            #expect(try steps(job).allSatisfy { ($0["run"] as? String)?.contains("swift run") != true }, "release-tool is built once, not swift run per job")
        }
        #expect((try step(images, named: "Log in to Docker Hub")["if"] as? String) == "env.DOCKERHUB_LOGIN == 'true'")
        #expect((images["env"] as? [String: String])?["DOCKERHUB_LOGIN"] == "${{ secrets.DOCKERHUB_USERNAME != '' }}")
        #expect(try step(images, named: "Upload digests")["uses"] as? String != nil)

        // Merge job: signs only with the secret, attests each image's digest.
        let merge = try #require(jobs["publish"])
        #expect(merge["needs"] as? [String] == ["images"])
        #expect((merge["env"] as? [String: String])?["SIGNING"] == "${{ secrets.COSIGN_PRIVATE_KEY != '' }}")
        let unsigned = try step(merge, named: "Merge and tag"), signed = try step(merge, named: "Merge, tag and sign")
        #expect(unsigned["if"] as? String == "env.SIGNING != 'true'" && signed["if"] as? String == "env.SIGNING == 'true'")
        #expect((signed["run"] as? String)?.contains("--merge \"$RUNNER_TEMP\"/digests/*.json") == true)
        #expect((signed["run"] as? String)?.contains("--sign --key-env COSIGN_PRIVATE_KEY") == true)
        #expect((signed["env"] as? [String: String])?.keys.sorted() == ["COSIGN_PASSWORD", "COSIGN_PRIVATE_KEY"])
        for entry in ImageCatalogue.shipped.entries {
            let attest = try step(merge, named: "Attest \(entry.imageName)")
            let with = try #require(attest["with"] as? [String: Any])
            #expect(with["subject-digest"] as? String == "${{ steps.digests.outputs.\(entry.type)-digest }}")
            #expect(with["push-to-registry"] as? Bool == true)
        }

        let scan = try #require(jobs["scan"])
        let scanStep = try step(scan, named: "Scan")
        #expect((scanStep["run"] as? String)?.contains("--format sarif") == true)
        #expect((scanStep["env"] as? [String: String])?["FAIL_ON"] == "${{ inputs.fail-on || 'none' }}")
        #expect(try step(scan, named: "Upload SARIF")["if"] as? String == "always()")
        #expect(jobs["github-release"]?["if"] as? String == "github.event_name == 'push'", "a re-publish keeps the release")
    }

    @Test("release.yml builds the binaries once per platform in the Swift 6.3 image (Linux) or with swiftly (macOS)")
    func releaseBinaries() throws {
        let jobs = try jobs(try generator(swiftVersion: "6.10").releaseWorkflow())
        let linux = try #require(jobs["binaries-linux"]), macos = try #require(jobs["binaries-macos"])
        #expect(linux["container"] as? String == "swift:6.10-noble", "6.10 must not become 6.1")
        #expect(macos["container"] == nil)
        for job in [linux, macos] {
            #expect(job["permissions"] as? [String: String] == ["contents": "read", "id-token": "write", "attestations": "write"])
            let build = try #require(try step(job, named: "Build, strip and pack")["run"] as? String)
            for needle in ["scripts/version-env", "--static-swift-stdlib", "-c release", "--product release-tool", "$tool-$OUBLIETTE_VERSION-$OS-$ARCH.tar.gz"]
            {
                #expect(build.contains(needle), "build step lacks \(needle)")
            }
            let cache = try #require(try step(job, named: "Cache .build")["with"] as? [String: String])
            #expect(cache["key"]?.contains("hashFiles('Package.swift', 'Package.resolved')") == true)
        }
        let swiftly = try step(macos, named: "Install Swift with swiftly")
        #expect((swiftly["env"] as? [String: String])?["SWIFT_VERSION"] == "6.10")
        let include = try #require(((linux["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        #expect(include.map { $0["runner"] ?? "" } == ["ubuntu-24.04", "ubuntu-24.04-arm"])
    }

    @Test("image names, logins and Dockerfile paths come from the catalogue")
    func followsCatalogue() throws {
        let catalogue = try ImageCatalogue(entries: [
            .init(type: "one", repository: "ghcr.io/acme/first-image", summary: "1"),
            .init(type: "two", repository: "quay.io/acme/second-image", parent: "one", summary: "2"),
        ])
        let generator = try generator(catalogue, catalogueFile: "images/catalogue.jsonc")
        let yaml = try generator.releaseWorkflow()
        #expect(yaml.contains("first-image, second-image"))
        #expect(yaml.contains("--catalogue images/catalogue.jsonc"))
        #expect(!yaml.contains("oubliette-base"))
        let images = try #require(try jobs(yaml)["images"])
        let names = try steps(images).compactMap { $0["name"] as? String }
        #expect(names.contains("Log in to ghcr.io") && names.contains("Log in to quay.io"))
        let ci = try generator.imagesWorkflow()
        #expect(ci.contains("-f images/containers/one/Dockerfile -t localhost/first-image:ci images/containers/one"))
        #expect(ci.contains("--build-arg BASE_IMAGE=localhost/first-image:ci -f images/containers/two/Dockerfile"))
        #expect(try generator.dependabotConfig().contains("directory: /images/containers/two"))
    }

    @Test("image jobs follow the catalogue's platforms; a platform without a native runner is refused")
    func platformsFromCatalogue() throws {
        let amd64 = try Platform(parsing: "linux/amd64")
        let narrowed = try ImageCatalogue(entries: [.init(type: "base", repository: "ghcr.io/acme/base", summary: "b", platforms: [amd64])])
        let jobs = try jobs(try generator(narrowed).releaseWorkflow())
        let include = try #require(
            ((jobs["images"]?["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        #expect(include.map { $0["platform"] ?? "" } == ["linux/amd64"])
        let gitlab = try parse(try generator(narrowed).gitlabPipeline())
        #expect((((gitlab["images"] as? [String: Any])?["parallel"] as? [String: Any])?["matrix"] as? [[String: String]])?.count == 1)
        let s390x = try ImageCatalogue(entries: [
            .init(type: "base", repository: "ghcr.io/acme/base", summary: "b", platforms: [try Platform(parsing: "linux/s390x")])
        ])
        #expect(throws: WorkflowGeneratorError.self) { try generator(s390x).releaseWorkflow() }
    }

    @Test("ci.yml runs .ci/run in the privileged Swift image; images.yml builds the Dockerfiles on both platforms")
    func ciStructure() throws {
        let generator = try generator()
        let document = try parse(try generator.ciWorkflow())
        let on = try #require(document["on"] as? [String: Any])
        #expect(on.keys.sorted() == ["pull_request", "push"])
        let job = try #require((document["jobs"] as? [String: [String: Any]])?["test"])
        #expect(job["container"] as? [String: String] == ["image": "swift:6.3-noble", "options": "--privileged"])
        #expect((try steps(job).last?["run"] as? String)?.contains("bash .ci/run") == true)

        let images = try parse(try generator.imagesWorkflow())
        let paths = try #require(((images["on"] as? [String: Any])?["pull_request"] as? [String: Any])?["paths"] as? [String])
        #expect(paths == ["containers/base/**", "containers/dev/**", ".github/workflows/images.yml"])
        let build = try #require((images["jobs"] as? [String: [String: Any]])?["build"])
        let names = try steps(build).compactMap { $0["name"] as? String }
        #expect(names == ["Check out with tags", "Build oubliette-base", "Build oubliette-dev", "Run the tools in oubliette-dev as agent"])
        let smoke = try #require(try step(build, named: "Run the tools")["run"] as? String)
        #expect(smoke.contains("--user agent") && smoke.contains("git --version") && smoke.contains("python3 --version"))
    }

    @Test("dependabot.yml covers the pins file, the Swift package and each Dockerfile")
    func dependabot() throws {
        let document = try parse(try generator().dependabotConfig())
        #expect(document["version"] as? Int == 2)
        let updates = try #require(document["updates"] as? [[String: Any]])
        let pairs = updates.map { "\($0["package-ecosystem"] ?? "") \($0["directory"] ?? "")" }
        #expect(pairs == ["github-actions /.github/pins", "swift /", "docker /containers/base", "docker /containers/dev"])
    }

    @Test(".gitlab-ci.yml: tests on merge requests, per-platform image jobs on amd64/arm64 runners, a merge job, GitLab registry")
    func gitlab() throws {
        let document = try parse(try generator().gitlabPipeline())
        #expect(document["stages"] as? [String] == ["test", "build", "images", "release"])
        #expect((document["default"] as? [String: String])?["image"] == "swift:6.3-noble")
        let test = try #require(document["test"] as? [String: Any])
        #expect(test["script"] as? [String] == ["bash .ci/run"])
        let images = try #require(document["images"] as? [String: Any])
        #expect((images["rules"] as? [[String: String]])?.first?["if"] == "$CI_COMMIT_TAG =~ /^v/")
        let matrix = try #require((images["parallel"] as? [String: Any])?["matrix"] as? [[String: String]])
        #expect(matrix.map { $0["RUNNER_TAG"] ?? "" } == ["saas-linux-small-amd64", "saas-linux-small-arm64"])
        #expect(matrix.map { $0["PLATFORM"] ?? "" } == ["linux/amd64", "linux/arm64"])
        #expect(images["tags"] as? [String] == ["$RUNNER_TAG"])
        let script = try #require(images["script"] as? [String]).joined(separator: "\n")
        for needle in ["\"$CI_REGISTRY\"", "\"$CI_REGISTRY_USER\"", "\"$CI_JOB_TOKEN\"", "--registry \"$CI_REGISTRY_IMAGE\"", "--push-by-digest"] {
            #expect(script.contains(needle), "images script lacks \(needle)")
        }
        let merge = try #require(document["merge"] as? [String: Any])
        #expect(merge["needs"] as? [String] == ["release-tool", "images"])
        #expect((merge["script"] as? [String])?.last?.contains("publish --merge .ci-out/digests/*.json") == true)
    }

    @Test("output is deterministic, and --check reports drift with a diff for every generated file")
    func checkDrift() throws {
        let generator = try generator()
        #expect(try generator.releaseWorkflow() == (try generator.releaseWorkflow()))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wf-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try generator.files()
        let all = [
            WorkflowGenerator.releasePath, WorkflowGenerator.ciPath, WorkflowGenerator.imagesPath, WorkflowGenerator.dependabotPath,
            WorkflowGenerator.gitlabPath,
        ]
        #expect(WorkflowFiles.check(files, root: root).map(\.path) == all)
        #expect(try generator.files(target: .gitlab).map(\.path) == [WorkflowGenerator.gitlabPath])
        #expect(try WorkflowFiles.write(files, root: root).count == all.count)
        #expect(WorkflowFiles.check(files, root: root).isEmpty)
        #expect(try WorkflowFiles.write(files, root: root).isEmpty, "unchanged files are not rewritten")

        let url = root.appendingPathComponent(WorkflowGenerator.gitlabPath)
        let edited = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "bash .ci/run", with: "true")
        try Data(edited.utf8).write(to: url)
        let drift = WorkflowFiles.check(files, root: root)
        #expect(drift.map(\.path) == [WorkflowGenerator.gitlabPath])
        #expect(drift.first?.diff.contains("+  - bash .ci/run") == true)

        #expect(try WorkflowFiles.write(files, root: root) == [WorkflowGenerator.gitlabPath])
        #expect(WorkflowFiles.check(files, root: root).isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".github/workflows").path)
        #expect(leftovers.sorted() == ["ci.yml", "images.yml", "release.yml"])
    }

    @Test("the committed files are what the generator makes from the shipped catalogue and the pins")
    func committedFilesCurrent() throws {
        let drift = WorkflowFiles.check(try generator().files(), root: Self.repositoryRoot)
        #expect(drift.isEmpty, "stale: \(drift.map(\.path)); run `swift run release-tool workflow`")
    }
}
