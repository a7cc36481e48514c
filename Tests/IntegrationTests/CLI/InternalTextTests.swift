import Foundation
import Testing

/// Foundation's and NIO's own texts ("The operation could not be completed", NSError dumps,
/// errno numbers) never reach a user: each file problem is a sentence naming the file and
/// the fix, in both tools.
@Suite("No internal error texts reach the user", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct InternalTextTests {
    let cli = CLIIntegrationTests()
    let release = ReleaseToolCLITests()

    static let leaks = ["NSCocoaErrorDomain", "The operation could not be completed", "Error Domain=", "errno", "UserInfo="]

    static func expectNoLeak(_ result: ToolResult) {
        for leak in leaks { #expect(!result.stderr.contains(leak), "\(leak) in: \(result.stderr)") }
    }

    @Test func aConfigThatIsADirectory() async throws {
        var home = try cli.emptyHome("config-dir")
        let directory = home.root.appendingPathComponent("config-dir")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        home.environment["OUBLIETTE_CONFIG"] = directory.path
        let result = try await cli.oubliette(["config", "check"], home)
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: cannot read \(directory.path): it is a directory"), "\(result.stderr)")
        #expect(result.stderr.contains("oubliette init"), "\(result.stderr)")
        Self.expectNoLeak(result)
    }

    @Test func initWhereAFileBlocksTheConfigDirectory() async throws {
        let home = try cli.emptyHome("config-blocked")
        let blocker = home.config.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: blocker.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: blocker)
        let result = try await cli.oubliette(["init", "--image-source", "prebuilt"], home)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(blocker.path): cannot create the config directory"), "\(result.stderr)")
        Self.expectNoLeak(result)
    }

    @Test func aCatalogueThatDoesNotExistOrIsADirectory() async throws {
        let missing = try await release.releaseTool(["catalogue", "--catalogue", "/nonexistent/catalogue.jsonc"])
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("cannot read catalogue /nonexistent/catalogue.jsonc: no such file; pass --catalogue"), "\(missing.stderr)")
        Self.expectNoLeak(missing)
        let directory = try cli.bed.makeTemporaryDirectory("catalogue-dir")
        let isDirectory = try await release.releaseTool(["catalogue", "--catalogue", directory.path])
        #expect(isDirectory.status == 1, "\(isDirectory.stderr)")
        #expect(isDirectory.stderr.contains("it is a directory"), "\(isDirectory.stderr)")
        Self.expectNoLeak(isDirectory)
    }

    @Test func workflowWithoutActionPinsSaysHowToCreateThem() async throws {
        let root = try cli.bed.makeTemporaryDirectory("workflow-no-pins")
        let result = try await release.releaseTool(["workflow", "--root", root.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(".github/pins/action.yml does not exist"), "\(result.stderr)")
        #expect(result.stderr.contains("Create it as a composite action"), "\(result.stderr)")
        Self.expectNoLeak(result)
    }
}
