import Foundation
import OCIDistribution
import Testing

@testable import ImageCatalogue

@Suite("Catalogue platforms")
struct CataloguePlatformsTests {
    func write(_ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalogue-platforms-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("catalogue.jsonc")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("entries default to linux/amd64 + linux/arm64; a file can narrow them")
    func defaultsAndNarrowing() throws {
        #expect(ImageCatalogue.shipped.entries.allSatisfy { $0.platforms.map(\.description) == ["linux/amd64", "linux/arm64"] })
        let file = try write(
            """
            { "images": [
              { "type": "base", "repository": "r/base" },
              { "type": "dev", "repository": "r/dev", "parent": "base", "platforms": ["linux/arm64"] },
            ] }
            """)
        let catalogue = try ImageCatalogue(contentsOf: file)
        #expect(catalogue.entry(for: "base")?.platforms.map(\.description) == ["linux/amd64", "linux/arm64"])
        #expect(catalogue.entry(for: "dev")?.platforms.map(\.description) == ["linux/arm64"])
    }

    @Test("bad platforms are reported with line:column, and a child cannot want what its parent lacks")
    func errors() throws {
        let notArray = try write(#"{ "images": [ { "type": "base", "repository": "r/base", "platforms": "linux/amd64" } ] }"#)
        #expect {
            try ImageCatalogue(contentsOf: notArray)
        } throws: { error in
            "\(error)".contains("1:") && "\(error)".contains("must be an array")
        }
        let malformed = try write(
            """
            { "images": [
              { "type": "base", "repository": "r/base", "platforms": ["linux/amd64", "arm64"] } ] }
            """)
        #expect {
            try ImageCatalogue(contentsOf: malformed)
        } throws: { error in
            "\(error)".contains("2:") && "\(error)".contains("'arm64' is not a platform")
        }
        let parentLacks = try write(
            """
            { "images": [
              { "type": "base", "repository": "r/base", "platforms": ["linux/amd64"] },
              { "type": "dev", "repository": "r/dev", "parent": "base" } ] }
            """)
        #expect(throws: CatalogueError.platformNotInParent(type: "dev", platform: "linux/arm64", parent: "base", parentPlatforms: ["linux/amd64"])) {
            try ImageCatalogue(contentsOf: parentLacks)
        }
        let empty = try write(#"{ "images": [ { "type": "base", "repository": "r/base", "platforms": [] } ] }"#)
        #expect(throws: CatalogueError.noPlatforms(type: "base")) { try ImageCatalogue(contentsOf: empty) }
        let twice = try write(#"{ "images": [ { "type": "base", "repository": "r/base", "platforms": ["linux/amd64", "linux/amd64"] } ] }"#)
        #expect(throws: CatalogueError.self) { try ImageCatalogue(contentsOf: twice) }
    }

    @Test("catalogue JSON from before platforms decodes to the default")
    func decodesOldJSON() throws {
        let json = #"{"type":"base","repository":"r/base","dockerfile":"base/Dockerfile","context":"base","summary":"s"}"#
        let entry = try JSONDecoder().decode(ImageCatalogue.Entry.self, from: Data(json.utf8))
        #expect(entry.platforms == ImageCatalogue.Entry.defaultPlatforms)
    }
}
