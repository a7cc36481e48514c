import Foundation
import OCIDistribution
import OublietteCore
import Testing
import Yams

@testable import ReleaseKit

@Suite("Workflow generation")
struct WorkflowGeneratorTests {
    func parse(_ yaml: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: yaml) as? [String: Any])
    }

    func stepNames(_ job: [String: Any]) throws -> [String] {
        let steps = try #require(job["steps"] as? [[String: Any]])
        return steps.compactMap { $0["name"] as? String }
    }

    @Test("release.yml structure: trigger, permissions, steps in order, images from the catalogue")
    func releaseStructure() throws {
        let generator = WorkflowGenerator(catalogue: .shipped, swiftVersion: "6.10")
        let yaml = try generator.releaseWorkflow()
        let document = try parse(yaml)
        let on = try #require(document["on"] as? [String: Any])
        let push = try #require(on["push"] as? [String: Any])
        #expect(push["tags"] as? [String] == ["v*"])
        #expect(document["permissions"] as? [String: String] == ["contents": "read"])
        let jobs = try #require(document["jobs"] as? [String: Any])
        let job = try #require(jobs["publish"] as? [String: Any])
        #expect(job["permissions"] as? [String: String] == ["contents": "read", "packages": "write"])
        let steps = try #require(job["steps"] as? [[String: Any]])
        let names = try stepNames(job)
        let order = [
            "Check out with tags", "Set up Swift", "Install libgit2", "Set up Docker Buildx", "Log in to ghcr.io",
            "Publish", "Summary of pushed digests",
        ]
        var position = -1
        for prefix in order {
            let index = try #require(names.firstIndex { $0.hasPrefix(prefix) }, "step \(prefix)")
            #expect(index > position, "\(prefix) comes after the previous step")
            position = index
        }
        let checkout = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("actions/checkout") == true })
        #expect((checkout["with"] as? [String: Any])?["fetch-depth"] as? Int == 0)
        let login = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("docker/login-action") == true })
        #expect((login["with"] as? [String: String])?["password"] == "${{ secrets.GITHUB_TOKEN }}")
        let publish = try #require(steps.first { ($0["name"] as? String)?.hasPrefix("Publish") == true })
        let run = try #require(publish["run"] as? String)
        #expect(run.contains("swift run") && run.contains("release-tool publish"))
        // Image names come from the catalogue, not from a hand-written list.
        for entry in ImageCatalogue.shipped.entries {
            #expect((publish["name"] as? String)?.contains(entry.imageName) == true)
        }
        let swift = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("swift-actions/setup-swift") == true })
        #expect((swift["with"] as? [String: Any])?["swift-version"] as? String == "6.10", "6.10 must not become 6.1")
        let install = try #require(steps.first { ($0["name"] as? String) == "Install libgit2" })
        #expect((install["run"] as? String)?.contains("libgit2-dev") == true)
    }

    @Test("release.yml builds, attests and releases the CLI binaries for every target")
    func releaseBinaries() throws {
        let document = try parse(try WorkflowGenerator(catalogue: .shipped).releaseWorkflow())
        let jobs = try #require(document["jobs"] as? [String: Any])
        let binaries = try #require(jobs["binaries"] as? [String: Any])
        #expect(binaries["runs-on"] as? String == "${{ matrix.runner }}")
        // Exactly what attest-build-provenance needs, no write access to contents or packages.
        #expect(binaries["permissions"] as? [String: String] == ["contents": "read", "id-token": "write", "attestations": "write"])
        let strategy = try #require(binaries["strategy"] as? [String: Any])
        let include = try #require((strategy["matrix"] as? [String: Any])?["include"] as? [[String: String]])
        #expect(include.map { $0["runner"] ?? "" } == ["ubuntu-24.04", "ubuntu-24.04-arm", "macos-15"])
        #expect(include.map { "\($0["os"] ?? "")-\($0["arch"] ?? "")" } == ["linux-x86_64", "linux-aarch64", "macos-aarch64"])
        let steps = try #require(binaries["steps"] as? [[String: Any]])
        let build = try #require(steps.first { ($0["name"] as? String) == "Build, strip and pack" }?["run"] as? String)
        for needle in [
            "scripts/version-env", "--static-swift-stdlib", "-c release", "--product oubliette", "--product release-tool",
            "strip", "$tool-$OUBLIETTE_VERSION-${{ matrix.os }}-${{ matrix.arch }}.tar.gz",
        ] {
            #expect(build.contains(needle), "build step lacks \(needle)")
        }
        let attest = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("actions/attest-build-provenance@") == true })
        #expect((attest["with"] as? [String: String])?["subject-path"] == "dist/*.tar.gz")
        let attestIndex = try #require(steps.firstIndex { ($0["uses"] as? String)?.hasPrefix("actions/attest-build-provenance@") == true })
        let buildIndex = try #require(steps.firstIndex { ($0["name"] as? String) == "Build, strip and pack" })
        #expect(buildIndex < attestIndex)

        let release = try #require(jobs["github-release"] as? [String: Any])
        #expect(release["needs"] as? [String] == ["publish", "binaries"], "images and binaries come from the same tag")
        #expect(release["permissions"] as? [String: String] == ["contents": "write"])
        let create = try #require((release["steps"] as? [[String: Any]])?.compactMap { $0["run"] as? String }.first)
        #expect(create.contains("sha256sum") && create.contains("SHA256SUMS") && create.contains("gh release create"))
    }

    @Test("names follow the catalogue and the catalogue file is passed on")
    func followsCatalogue() throws {
        let catalogue = try ImageCatalogue(entries: [
            .init(type: "one", repository: "ghcr.io/acme/first-image", summary: "1"),
            .init(type: "two", repository: "quay.io/acme/second-image", parent: "one", summary: "2"),
        ])
        let yaml = try WorkflowGenerator(catalogue: catalogue, catalogueFile: "images.jsonc").releaseWorkflow()
        #expect(yaml.contains("first-image, second-image"))
        #expect(yaml.contains("--catalogue images.jsonc"))
        #expect(!yaml.contains("oubliette-base"))
        let job = try #require((try parse(yaml)["jobs"] as? [String: Any])?["publish"] as? [String: Any])
        let names = try stepNames(job)
        #expect(names.contains("Log in to ghcr.io") && names.contains("Log in to quay.io"))
    }

    @Test("ci.yml runs .ci/run on pushes and pull requests")
    func ciStructure() throws {
        let document = try parse(try WorkflowGenerator(catalogue: .shipped).ciWorkflow())
        let on = try #require(document["on"] as? [String: Any])
        #expect(on.keys.sorted() == ["pull_request", "push"])
        #expect(document["permissions"] as? [String: String] == ["contents": "read"])
        let job = try #require((document["jobs"] as? [String: Any])?["test"] as? [String: Any])
        let steps = try #require(job["steps"] as? [[String: Any]])
        #expect((steps.last?["run"] as? String)?.contains(".ci/run") == true)
        let swift = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("swift-actions/setup-swift") == true })
        #expect((swift["with"] as? [String: Any])?["swift-version"] as? String == "6.3", "version stays a string")
    }

    @Test("output is deterministic, and --check reports drift with a diff")
    func checkDrift() throws {
        let generator = WorkflowGenerator(catalogue: .shipped)
        #expect(try generator.releaseWorkflow() == (try generator.releaseWorkflow()))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wf-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try generator.files()
        #expect(WorkflowFiles.check(files, root: root).map(\.path) == [WorkflowGenerator.releasePath, WorkflowGenerator.ciPath])
        #expect(try WorkflowFiles.write(files, root: root).count == 2)
        #expect(WorkflowFiles.check(files, root: root).isEmpty)
        #expect(try WorkflowFiles.write(files, root: root).isEmpty, "unchanged files are not rewritten")

        let url = root.appendingPathComponent(WorkflowGenerator.releasePath)
        let edited = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "packages: write", with: "packages: read")
        try Data(edited.utf8).write(to: url)
        let drift = WorkflowFiles.check(files, root: root)
        #expect(drift.map(\.path) == [WorkflowGenerator.releasePath])
        #expect(drift.first?.diff.contains("-      packages: read") == true)
        #expect(drift.first?.diff.contains("+      packages: write") == true)

        // Rewriting replaces the stale file in place and leaves no temporary files behind.
        #expect(try WorkflowFiles.write(files, root: root) == [WorkflowGenerator.releasePath])
        #expect(WorkflowFiles.check(files, root: root).isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(leftovers.sorted() == ["ci.yml", "release.yml"])
    }
}
