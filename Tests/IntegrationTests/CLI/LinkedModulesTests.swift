import Foundation
import Testing

/// release-tool links the catalogue, not the product domain: no Docker engine client, no
/// project store, no self-updater (issue 20). Read from the binaries' symbol tables with nm,
/// so a stray import that drags OublietteCore or ContainerRuntimes back in fails here.
@Suite("Linked modules")
struct LinkedModulesTests {
    static let oublietteOnly = ["OublietteCore", "ContainerRuntimes", "DockerRuntime", "ProjectStore", "SelfUpdater"].map(mangled)

    /// Swift-mangled names carry each identifier as <length><name>.
    static func mangled(_ identifier: String) -> String { "\(identifier.utf8.count)\(identifier)" }

    func binary(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    func symbols(_ tool: String) async throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: binary(tool)), "build the \(tool) product first")
        return try await ToolRunner.run("nm", [binary(tool)]).stdout
    }

    @Test func releaseToolLinksNoEngineProjectsOrSelfUpdate() async throws {
        let releaseTool = try await symbols("release-tool")
        let oubliette = try await symbols("oubliette")
        for marker in Self.oublietteOnly {
            // The control: oubliette has them, so the names are spelled as nm prints them.
            #expect(oubliette.contains(marker), "oubliette's symbols lack \(marker): is the marker stale?")
            let found = releaseTool.split(separator: "\n").filter { $0.contains(marker) }
            #expect(found.isEmpty, "release-tool links \(marker): \(found.prefix(3).joined(separator: "; "))")
        }
        #expect(releaseTool.contains(Self.mangled("ImageCatalogue")), "release-tool reads the catalogue")
    }
}
