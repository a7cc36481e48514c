import Foundation
import ImageCatalogue
import OCIDistribution
import SystemSupport
import Testing
import Yams

@testable import ReleaseKit

@Suite("Workflow generation")
struct WorkflowGeneratorTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

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
        let images = try Self.pins().images
        #expect(throws: ActionPinsError.missing(action: "actions/checkout", file: ActionPins.path)) {
            _ = try WorkflowGenerator(catalogue: .shipped, pins: ActionPins(pins: Array(one.pins.values), images: images)).releaseWorkflow()
        }
        // The images the jobs run in are pinned by digest too.
        #expect(throws: ActionPinsError.missingImage(image: "swift:6.3-noble", file: ActionPins.imagesPath)) {
            _ = try WorkflowGenerator(catalogue: .shipped, pins: ActionPins(pins: Array(try Self.pins().pins.values))).ciWorkflow()
        }
        do {
            _ = try ActionPins.parseImages("# pins\nFROM swift:6.3-noble AS noble\n")
            Issue.record("an image without a digest was accepted")
        } catch {
            #expect(error.description.contains("Dockerfile:2:") && error.description.contains("not pinned by digest"), "\(error)")
        }
        let digest = "sha256:" + String(repeating: "c", count: 64)
        #expect(try ActionPins.parseImages("FROM docker.io/library/swift:6.3-noble@\(digest) AS noble\n") == ["swift:6.3-noble": "swift:6.3-noble@\(digest)"])
    }

    @Test("release.yml: tag and dispatch triggers, one queue, per-platform image jobs, merge job, least privilege")
    func releaseStructure() throws {
        let yaml = try generator().releaseWorkflow()
        let document = try parse(yaml)
        let on = try #require(document["on"] as? [String: Any])
        // Semver tags only (a bare v* fires on any tag starting with v).
        #expect((on["push"] as? [String: Any])?["tags"] as? [String] == ["v[0-9]+.[0-9]+.[0-9]+", "v[0-9]+.[0-9]+.[0-9]+-*"])
        let inputs = try #require((on["workflow_dispatch"] as? [String: Any])?["inputs"] as? [String: [String: Any]])
        #expect(inputs.keys.sorted() == ["fail-on", "force", "tag"])
        #expect(inputs["force"]?["default"] as? Bool == false)
        #expect((inputs["force"]?["description"] as? String)?.contains("--force") == true)
        #expect(inputs["fail-on"]?["default"] as? String == "none")
        #expect(document["concurrency"] as? [String: AnyHashable] == ["group": "release", "cancel-in-progress": false])
        #expect(document["permissions"] as? [String: String] == ["contents": "read"])

        let jobs = try jobs(yaml)
        #expect(jobs.keys.sorted() == ["binaries-linux", "binaries-macos", "github-release", "images", "preflight", "publish", "scan", "verify"])
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
        let attesting = ["id-token": "write", "attestations": "write", "artifact-metadata": "write"]
        #expect(permissions["images"] == attesting.merging(["contents": "read", "packages": "write"]) { a, _ in a })
        #expect(permissions["publish"] == attesting.merging(["contents": "read", "packages": "write"]) { a, _ in a })
        #expect(permissions["verify"] == ["contents": "read", "packages": "read", "attestations": "read"])
        #expect(permissions["preflight"] == [:])
        // Every permission says why (zizmor's undocumented-permissions).
        for line in yaml.split(separator: "\n") where line.hasSuffix(": write") || line.hasSuffix(": read") {
            Issue.record("permission without a reason: \(line)")
        }
        // Jobs holding release secrets run in the `release` environment (limited to release tags).
        #expect(jobs.filter { $0.value["environment"] as? String == "release" }.keys.sorted() == ["images", "publish", "scan"])
        // No cache is restored in the tag-triggered workflow (cache poisoning from other refs).
        #expect(!yaml.contains("actions/cache@"))
        #expect(permissions["scan"] == ["contents": "read", "packages": "read", "security-events": "write"])
        #expect(permissions["github-release"] == ["contents": "write"])
        #expect(permissions.filter { $0.value["packages"] == "write" }.keys.sorted() == ["images", "publish"])
        #expect(permissions.filter { $0.value["security-events"] != nil }.keys.sorted() == ["scan"])

        // Per platform on native runners, buildah, push by digest, digests as artifacts.
        let images = try #require(jobs["images"])
        let include = try #require(((images["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        #expect(include.map { $0["platform"] ?? "" } == ["linux/amd64", "linux/arm64"])
        #expect(include.map { $0["runner"] ?? "" } == ["ubuntu-24.04", "${{ vars.ARM64_RUNNER || 'ubuntu-24.04-arm' }}"])
        #expect(images["needs"] as? [String] == ["binaries-linux"])
        #expect((images["strategy"] as? [String: Any])?["fail-fast"] as? Bool == false)
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
        let digests = try step(images, named: "Upload digests")
        #expect((digests["with"] as? [String: Any])?["retention-days"] as? Int == 1)
        for entry in ImageCatalogue.shipped.entries {
            let with = try #require(try step(images, named: "Attest \(entry.imageName) for")["with"] as? [String: Any])
            #expect(with["subject-digest"] as? String == "${{ steps.platform.outputs.\(entry.type)-digest }}")
        }

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
            #expect((attest["uses"] as? String)?.hasPrefix("actions/attest@") == true)
            #expect(attest["if"] as? String == "vars.ATTESTATIONS == 'true' || !github.event.repository.private")
            let with = try #require(attest["with"] as? [String: Any])
            #expect(with["subject-digest"] as? String == "${{ steps.digests.outputs.\(entry.type)-digest }}")
            #expect(with["push-to-registry"] as? Bool == true)
        }

        let scan = try #require(jobs["scan"])
        let scanStep = try step(scan, named: "Scan")
        #expect((scanStep["run"] as? String)?.contains("--format sarif") == true)
        #expect((scanStep["env"] as? [String: String])?["FAIL_ON"] == "${{ inputs.fail-on || 'none' }}")
        // One upload per image, each under its own category (codeql-action's areAllRunsUnique).
        let uploads = try steps(scan).filter { ($0["uses"] as? String)?.hasPrefix("github/codeql-action/upload-sarif@") == true }
        let categories = uploads.compactMap { ($0["with"] as? [String: Any])?["category"] as? String }
        #expect(uploads.count == ImageCatalogue.shipped.entries.count && Set(categories).count == uploads.count, "\(categories)")
        #expect(uploads.allSatisfy { ($0["if"] as? String)?.hasPrefix("always() && (vars.CODE_SCANNING == 'true'") == true })
        #expect(try steps(scan).contains { $0["name"] as? String == "Log in to ghcr.io" }, "private GHCR packages are readable")
        let releaseJob = try #require(jobs["github-release"])
        let release = try #require(try step(releaseJob, named: "Create the release")["run"] as? String)
        #expect(release.contains("--draft") && release.contains("--draft=false --latest=\"$LATEST\""))
        #expect((try step(merge, named: "Decide the GitHub Release")["run"] as? String)?.contains("release-tool plan --git-tag") == true)
        #expect(jobs["github-release"]?["if"] as? String == "github.event_name == 'push'", "a re-publish keeps the release")
    }

    @Test("release.yml builds the binaries once per platform in the Swift 6.3 image (Linux) or with swiftly (macOS)")
    func releaseBinaries() throws {
        let loaded = try Self.pins()
        let digest = "@sha256:" + String(repeating: "d", count: 64)
        let pins = ActionPins(
            pins: Array(loaded.pins.values), images: ["swift:6.10-noble": "swift:6.10-noble\(digest)", "swift:6.10-jammy": "swift:6.10-jammy\(digest)"])
        let generator = WorkflowGenerator(catalogue: .shipped, pins: pins, swiftVersion: "6.10")
        let jobs = try jobs(try generator.releaseWorkflow())
        let linux = try #require(jobs["binaries-linux"]), macos = try #require(jobs["binaries-macos"])
        #expect(linux["container"] as? String == "${{ matrix.image }}")
        #expect(macos["container"] == nil)
        for job in [linux, macos] {
            #expect(
                job["permissions"] as? [String: String] == [
                    "contents": "read", "id-token": "write", "attestations": "write", "artifact-metadata": "write",
                ])
            let build = try #require(try step(job, named: "Build, strip and pack")["run"] as? String)
            for needle in [
                "export OUBLIETTE_VERSION=\"${RELEASE_TAG#v}\"", "scripts/version-env", "--static-swift-stdlib", "-c release", "--product \"$tool\"",
                "$tool-$OUBLIETTE_VERSION-$OS-$ARCH.tar.gz",
            ] {
                #expect(build.contains(needle), "build step lacks \(needle)")
            }
            #expect(try steps(job).allSatisfy { ($0["name"] as? String) != "Cache .build" })
        }
        let swiftly = try step(macos, named: "Install Swift with swiftly")
        #expect((swiftly["env"] as? [String: String])?["SWIFT_VERSION"] == "6.10")
        let include = try #require(((linux["strategy"] as? [String: Any])?["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        let arm = "${{ vars.ARM64_RUNNER || 'ubuntu-24.04-arm' }}"
        #expect(include.map { $0["runner"] ?? "" } == ["ubuntu-24.04", "ubuntu-24.04", arm, arm])
        // oubliette (what users install) is built in jammy and held to the glibc floor; release-tool in noble.
        #expect(
            include.map { "\($0["tool"] ?? "") \($0["image"] ?? "") \($0["glibc"] ?? "")" }.prefix(2) == [
                "oubliette swift:6.10-jammy\(digest) 2.35", "release-tool swift:6.10-noble\(digest) 2.39",
            ])
        #expect((try step(linux, named: "Check the glibc floor")["env"] as? [String: String])?["GLIBC_FLOOR"] == "${{ matrix.glibc }}")
    }

    @Test("each CLI archive's attestation bundle is kept as <archive>.sigstore.json, uploaded and published beside it")
    func archiveBundlesArePublished() async throws {
        let jobs = try jobs(try generator().releaseWorkflow())
        for name in ["binaries-linux", "binaries-macos"] {
            let job = try #require(jobs[name])
            let names = try steps(job).compactMap { $0["name"] as? String }
            let attest = try step(job, named: "Attest the archives")
            #expect(attest["id"] as? String == "attest-archives")
            let save = try step(job, named: "Keep the attestation bundle")
            #expect(save["if"] as? String == attest["if"] as? String, "saved exactly when attested")
            #expect((save["env"] as? [String: String])?["BUNDLE"] == "${{ steps.attest-archives.outputs.bundle-path }}")
            let attestIndex = try #require(names.firstIndex { $0.hasPrefix("Attest the archives") })
            #expect(names.firstIndex { $0.hasPrefix("Keep the attestation") } == attestIndex + 1, "the bundle is saved right after attesting")
            #expect((try step(job, named: "Upload archives")["with"] as? [String: String])?["path"] == "dist/*")
        }
        // The verify job checks each bundle natively, as self-update does, and installs with
        // install.sh, which must have verified the bundle with gh.
        let verify = try #require(jobs["verify"])
        let native = try step(verify, named: "Verify the archives' bundles")
        #expect(native["if"] as? String == "!github.event.repository.private")
        for needle in [
            #"release-tool verify-bundle --bundle "$archive.sigstore.json""#,
            #""https://github.com/$GITHUB_REPOSITORY/.github/workflows/release.yml@refs/tags/$RELEASE_TAG""#,
            "--certificate-oidc-issuer https://token.actions.githubusercontent.com \"$archive\"",
        ] {
            #expect((native["run"] as? String)?.contains(needle) == true, "\(needle)")
        }
        let install = try step(verify, named: "Install with install.sh")
        #expect((install["env"] as? [String: String])?["GH_TOKEN"] == "${{ github.token }}")
        #expect((install["run"] as? String)?.contains("grep -q 'signature verified'") == true)
        // The two scripts, run with a fake gh that records its arguments: with bundles (public
        // repository) each is an asset; without (attestations unavailable) none is, and no glob
        // is passed literally.
        for attested in [true, false] {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("release-assets-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: root) }
            let dist = root.appendingPathComponent("dist"), bin = root.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: dist, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            for archive in ["oubliette-1.2.3-linux-x86_64.tar.gz", "release-tool-1.2.3-linux-x86_64.tar.gz"] {
                try Data(archive.utf8).write(to: dist.appendingPathComponent(archive))
            }
            try Data("#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$GH_LOG\"\n".utf8).write(to: bin.appendingPathComponent("gh"))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent("gh").path)
            let bundle = root.appendingPathComponent("attestation.json")
            try Data("{}".utf8).write(to: bundle)
            let environment: [String: String] = [
                "PATH": "\(bin.path):/usr/bin:/bin", "BUNDLE": bundle.path, "GH_LOG": root.appendingPathComponent("gh.log").path,
                "RELEASE_TAG": "v1.2.3", "GITHUB_REPOSITORY": "hyphagroup/oubliette", "PRERELEASE": "false", "LATEST": "true",
            ]
            let runner = ProcessRunner(environment: .only(environment))
            if attested {
                let saved = try await runner.run(ProcessRequest("bash", ["-e", "-c", WorkflowGenerator.saveArchiveBundlesScript], workingDirectory: root.path))
                #expect(saved.exitCode == 0, "\(saved.combinedText)")
            }
            let released = try await runner.run(ProcessRequest("bash", ["-e", "-c", WorkflowGenerator.createReleaseScript], workingDirectory: root.path))
            #expect(released.exitCode == 0, "\(released.combinedText)")
            let log = try String(contentsOf: root.appendingPathComponent("gh.log"), encoding: .utf8)
            let create = try #require(log.split(separator: "\n").first { $0.hasPrefix("release create") })
            let assets = create.components(separatedBy: " -- ").last?.split(separator: " ").map(String.init) ?? []
            let expected =
                attested
                ? [
                    "oubliette-1.2.3-linux-x86_64.tar.gz", "release-tool-1.2.3-linux-x86_64.tar.gz", "oubliette-1.2.3-linux-x86_64.tar.gz.sigstore.json",
                    "release-tool-1.2.3-linux-x86_64.tar.gz.sigstore.json", "SHA256SUMS",
                ] : ["oubliette-1.2.3-linux-x86_64.tar.gz", "release-tool-1.2.3-linux-x86_64.tar.gz", "SHA256SUMS"]
            #expect(assets == expected, "\(create)")
        }
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
        #expect(job["container"] as? [String: String] == ["image": try generator.swiftImage(), "options": "--privileged"])
        #expect(try generator.swiftImage().hasPrefix("swift:6.3-noble@sha256:"))
        #expect(try parse(try generator.imagesWorkflow())["concurrency"] != nil, "every workflow has a concurrency group")
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
        #expect(pairs == ["github-actions /.github/pins", "docker /.github/pins", "swift /", "docker /containers/base", "docker /containers/dev"])
        #expect(updates.allSatisfy { ($0["cooldown"] as? [String: Int])?["default-days"] == 7 })
    }

    @Test(".gitlab-ci.yml: tests on merge requests, per-platform image jobs on amd64/arm64 runners, a merge job, GitLab registry")
    func gitlab() throws {
        let document = try parse(try generator().gitlabPipeline())
        #expect(document["stages"] as? [String] == ["test", "build", "images", "release"])
        #expect((document["default"] as? [String: String])?["image"] == (try generator().swiftImage()))
        let test = try #require(document["test"] as? [String: Any])
        #expect(test["script"] as? [String] == ["bash .ci/run"])
        let images = try #require(document["images"] as? [String: Any])
        #expect((images["rules"] as? [[String: String]])?.first?["if"] == "$CI_COMMIT_TAG =~ /^v[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$/")
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
