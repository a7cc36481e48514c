import Foundation
import OCIDistribution
import Testing

/// `release-tool` run as CI runs it: the built binary on a real git repository. Needs no
/// registry or builder (plan and version only read git and the catalogue).
@Suite("release-tool (built binary)")
struct ReleaseToolCLITests {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/busybox")

    /// A git repository holding the busybox fixture catalogue, tagged as given.
    func repository(tags: [String]) async throws -> URL {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("release-cli-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixture, to: repo)
        let identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
        try await ToolRunner.run("git", ["init", "-q"], currentDirectory: repo)
        try await ToolRunner.run("git", identity + ["add", "-A"], currentDirectory: repo)
        try await ToolRunner.run("git", identity + ["commit", "-qm", "fixture"], currentDirectory: repo)
        for tag in tags { try await ToolRunner.run("git", ["tag", tag], currentDirectory: repo) }
        return repo
    }

    func releaseTool(_ arguments: [String]) async throws -> ToolResult {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        return try await ToolRunner.run(binary.path, arguments, check: false)
    }

    @Test func planJSONOrdersParentsFirstAndTagsTheNewestReleaseLatest() async throws {
        let repo = try await repository(tags: ["v1.0.0", "v1.1.0", "not-a-version"])
        defer { try? FileManager.default.removeItem(at: repo) }
        let result = try await releaseTool([
            "plan", "--repo", repo.path, "--catalogue", repo.appendingPathComponent("catalogue.jsonc").path,
            "--registry", "127.0.0.1:5000/team", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let images = try #require(plan["images"] as? [[String: Any]])
        #expect(images.map { $0["type"] as? String } == ["base", "dev"])
        #expect(images.map { $0["repository"] as? String } == ["127.0.0.1:5000/team/oubliette-base", "127.0.0.1:5000/team/oubliette-dev"])
        #expect(images[0]["tags"] as? [String] == ["v1.1.0", "latest"])
        let devArguments = try #require(images[1]["build_args"] as? [[String: Any]])
        let baseImage = try #require(devArguments.first { $0["key"] as? String == "BASE_IMAGE" }?["value"] as? [String: Any])
        #expect(baseImage["kind"] as? String == "parentDigestReference")
        #expect(baseImage["parent"] as? String == "base")
    }

    @Test func untaggedHeadIsRefusedUnlessSnapshot() async throws {
        let repo = try await repository(tags: [])
        defer { try? FileManager.default.removeItem(at: repo) }
        let catalogue = repo.appendingPathComponent("catalogue.jsonc").path
        let refused = try await releaseTool(["publish", "--dry-run", "--repo", repo.path, "--catalogue", catalogue])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("has no vMAJOR.MINOR.PATCH tag"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--snapshot"))

        let snapshot = try await releaseTool(["plan", "--repo", repo.path, "--catalogue", catalogue, "--snapshot", "--json"])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(snapshot.stdout.utf8)) as? [String: Any])
        let tags = (plan["images"] as? [[String: Any]])?.compactMap { $0["tags"] as? [String] } ?? []
        #expect(tags.count == 2)
        #expect(tags.allSatisfy { $0.count == 1 && $0[0].hasPrefix("v0.0.0-snapshot-") }, "a snapshot is never tagged latest: \(tags)")
    }
}
