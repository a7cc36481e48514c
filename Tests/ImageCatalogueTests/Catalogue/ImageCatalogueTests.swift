import Foundation
import ImageCatalogue
import OCIDistribution
import OublietteCore
import Testing

/// Repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("Image catalogue")
struct ImageCatalogueTests {
    @Test func shippedCatalogueBuildsBaseBeforeDev() throws {
        let order = try ImageCatalogue.shipped.buildOrder()
        #expect(order.map(\.type) == ["base", "dev"])
        #expect(order[1].parent == "base")
        #expect(order[0].repository == "ghcr.io/hyphagroup/oubliette-base")
    }

    @Test func shippedDockerfilesExistAndDevTakesBaseImage() throws {
        let loaded = try LoadedCatalogue.load(path: nil, root: repositoryRoot)
        for entry in loaded.catalogue.entries {
            let dockerfile = try String(contentsOf: loaded.dockerfileURL(for: entry), encoding: .utf8)
            if entry.parent != nil {
                #expect(dockerfile.contains("ARG BASE_IMAGE"), "\(entry.dockerfile) must declare ARG BASE_IMAGE")
                #expect(dockerfile.contains("FROM ${BASE_IMAGE}"), "\(entry.dockerfile) must build FROM ${BASE_IMAGE}")
            }
        }
    }

    /// The third-image promise: one catalogue entry and one Dockerfile, and every consumer
    /// (config defaults, build order, ancestry) picks it up with no code change.
    @Test func thirdImageNeedsOnlyAnEntryAndADockerfile() throws {
        let path = repositoryRoot.appendingPathComponent("Tests/Fixtures/busybox-osint/catalogue.jsonc").path
        let loaded = try LoadedCatalogue.load(path: path)
        let catalogue = loaded.catalogue
        #expect(catalogue.types == ["base", "dev", "osint"])

        let order = try catalogue.buildOrder().map(\.type)
        #expect(order == ["base", "dev", "osint"])
        #expect(catalogue.ancestry(of: "osint").map(\.type) == ["base", "osint"])

        let osint = try #require(catalogue.entry(for: "osint"))
        #expect(FileManager.default.fileExists(atPath: loaded.dockerfileURL(for: osint).path))
        #expect(loaded.contextURL(for: osint).lastPathComponent == "osint")

        let config = OublietteConfig(catalogue: catalogue, devMode: false)
        #expect(config.validTypes == ["base", "dev", "osint"])
        #expect(try config.imageReference(for: "osint").description == "ghcr.io/hyphagroup/oubliette-osint:latest")
        let dev = OublietteConfig(catalogue: catalogue, devMode: true)
        #expect(try dev.imageReference(for: "osint").familiarDescription == "oubliette-osint:latest")
    }

    @Test func buildOrderPutsParentsFirstWhateverTheDeclarationOrder() throws {
        let catalogue = try ImageCatalogue(entries: [
            .init(type: "osint", repository: "r/osint", parent: "dev", summary: ""),
            .init(type: "dev", repository: "r/dev", parent: "base", summary: ""),
            .init(type: "base", repository: "r/base", summary: ""),
        ])
        #expect(try catalogue.buildOrder().map(\.type) == ["base", "dev", "osint"])
    }

    @Test func rejectsCyclesUnknownParentsAndDuplicates() {
        #expect(throws: CatalogueError.cycle(["a", "b", "a"])) {
            try ImageCatalogue(entries: [
                .init(type: "a", repository: "r/a", parent: "b", summary: ""),
                .init(type: "b", repository: "r/b", parent: "a", summary: ""),
            ])
        }
        #expect(throws: CatalogueError.unknownParent(type: "dev", parent: "bsae", known: ["dev"])) {
            try ImageCatalogue(entries: [.init(type: "dev", repository: "r/dev", parent: "bsae", summary: "")])
        }
        #expect(throws: CatalogueError.duplicateType("base")) {
            try ImageCatalogue(entries: [
                .init(type: "base", repository: "r/a", summary: ""),
                .init(type: "base", repository: "r/b", summary: ""),
            ])
        }
        do {
            _ = try ImageCatalogue(entries: [.init(type: "x", repository: "R/Upper", summary: "")])
            Issue.record("expected an invalid repository error")
        } catch {
            #expect(error.description.contains("catalogue entry 'x' has an invalid repository 'R/Upper'"))
        }
    }

    @Test func catalogueFileErrorsAreLocated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("catalogue.jsonc")
        try "{ \"images\": [\n { \"type\": \"a\", \"repo\": \"x/y\" } ] }".write(to: file, atomically: true, encoding: .utf8)
        #expect(
            throws: CatalogueError.invalidFile(
                path: file.path,
                reason: "2:17: unknown key \"repo\""
                    + " (did you mean \"repository\"?)")
        ) {
            try ImageCatalogue(contentsOf: file)
        }
    }
}
