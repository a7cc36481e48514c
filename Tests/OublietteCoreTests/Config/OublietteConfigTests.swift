import Foundation
import ImageCatalogue
import OCIDistribution
import OublietteCore
import Testing

@Suite("oubliette.jsonc")
struct OublietteConfigTests {
    let catalogue = ImageCatalogue.shipped

    @Test func defaultsComeFromTheCatalogue() throws {
        let config = OublietteConfig(catalogue: catalogue, devMode: false)
        #expect(config.validTypes == ["base", "dev"])
        #expect(try config.imageReference(for: "base").description == "ghcr.io/hyphagroup/oubliette-base:latest")
        #expect(try config.imageReference(for: "dev").description == "ghcr.io/hyphagroup/oubliette-dev:latest")
        #expect(config.containers["dev"]?.origin == .catalogue)
        #expect(config.imageSource == .prebuilt)
    }

    @Test func sourceDirIsRelativeToTheConfigFile() throws {
        let relative = try OublietteConfig(parsing: #"{ "source_dir": "../src/oubliette" }"#, file: "/etc/o/o.jsonc", catalogue: catalogue, devMode: false)
        #expect(relative.sourceDirectory == "/etc/src/oubliette")
        let absolute = try OublietteConfig(parsing: #"{ "source_dir": "/srv/checkout" }"#, file: "/etc/o/o.jsonc", catalogue: catalogue, devMode: false)
        #expect(absolute.sourceDirectory == "/srv/checkout")
        #expect(OublietteConfig(catalogue: catalogue, devMode: false).sourceDirectory == nil)
        #expect(throws: ConfigError.self) { try OublietteConfig(parsing: #"{ "source_dir": 3 }"#, file: "c.jsonc", catalogue: catalogue, devMode: false) }
    }

    @Test func devModeUsesLocalNames() throws {
        let config = OublietteConfig(catalogue: catalogue, devMode: true)
        #expect(try config.imageReference(for: "base").familiarDescription == "oubliette-base:latest")
        #expect(try config.imageReference(for: "dev").familiarDescription == "oubliette-dev:latest")
        #expect(config.containers["base"]?.origin == .devMode)
    }

    @Test func userEntriesAddAndOverride() throws {
        let text = """
            {
              // my own images
              "containers": {
                "dev": "registry.example.com/team/dev:2",
                "osint": "ghcr.io/me/osint", // added type
              },
              "image_source": "build",
              "update_check": "never",
              "insecure_registries": ["10.0.0.5:5000"],
            }
            """
        let config = try OublietteConfig(parsing: text, file: "/etc/o.jsonc", catalogue: catalogue, devMode: false)
        #expect(config.validTypes == ["base", "dev", "osint"])
        #expect(try config.imageReference(for: "dev").description == "registry.example.com/team/dev:2")
        #expect(try config.imageReference(for: "osint").description == "ghcr.io/me/osint:latest")
        #expect(config.containers["dev"]?.origin == .userConfig(file: "/etc/o.jsonc", line: 4))
        #expect(config.containers["base"]?.origin == .catalogue)
        #expect(config.imageSource == .build)
        #expect(config.updateCheck == .never)
        #expect(config.insecureRegistries == ["10.0.0.5:5000"])
        #expect(config.isValidType("osint"))
        #expect(!config.isValidType("nope"))
    }

    @Test func unknownTypeListsValidOnes() {
        let config = OublietteConfig(catalogue: catalogue, devMode: false)
        #expect(throws: ConfigError.unknownContainerType("gpu", valid: ["base", "dev"])) {
            try config.imageReference(for: "gpu")
        }
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let text: String
        let message: String
        var testDescription: String { message }
    }

    static let bad: [Bad] = [
        .init(
            text: "{\n  \"containres\": {}\n}",
            message: "c.jsonc:2:3: unknown key \"containres\" in the top level; did you mean \"containers\"?"),
        .init(
            text: "{\"image_source\": \"download\"}",
            message: "c.jsonc:1:18: \"image_source\" is \"download\"; use one of: prebuilt, build"),
        .init(
            text: "{\"update_check\": 1}",
            message: "c.jsonc:1:18: \"update_check\" must be one of always, once, never, found a number"),
        .init(
            text: "{\"containers\": {\"dev\": \"Bad/Name\"}}",
            message: "c.jsonc:1:24: containers.dev: image reference 'Bad/Name': repository 'Name' must be lowercase"),
        .init(
            text: "{\"containers\": {\"Dev\": \"x\"}}",
            message: "c.jsonc:1:17: container type \"Dev\" must be lowercase letters, digits, '-' or '_', starting with a letter or digit"),
        .init(
            text: "{\"containers\": {\"dev\": 3}}",
            message: "c.jsonc:1:24: \"containers.dev\" must be an image reference string, found a number"),
        .init(
            text: "{\"containers\": []}",
            message: "c.jsonc:1:16: \"containers\" must be an object of type → image reference, found an array"),
        .init(
            text: "{\"registry_mirrors\": [1]}",
            message: "c.jsonc:1:23: \"registry_mirrors\" must be an array of strings, found an element that is a number"),
        .init(text: "[]", message: "c.jsonc:1:1: \"(top level)\" must be an object, found an array"),
        .init(text: "{\"runtime\": \"docker\",}\n}", message: "c.jsonc:2:1: unexpected '}' after the end of the document"),
    ]

    @Test("bad config is refused with a located message", arguments: bad)
    func refusesBadConfig(_ case_: Bad) {
        do {
            _ = try OublietteConfig(parsing: case_.text, file: "c.jsonc", catalogue: catalogue, devMode: false)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == case_.message)
        }
    }

    @Test func loadsFromPathsAndTreatsMissingFileAsDefaults() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oubliette-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("oubliette.jsonc")
        let paths = OubliettePaths(configFile: file, dataDirectory: dir)

        let missing = try OublietteConfig.load(paths: paths, environment: [:])
        #expect(missing.sourceFile == nil)
        #expect(missing.validTypes == ["base", "dev"])

        try #"{ "containers": { "base": "localhost:5000/b:1" } }"#.write(to: file, atomically: true, encoding: .utf8)
        let dev = try OublietteConfig.load(paths: paths, environment: ["OUBLIETTE_DEV": "1"])
        #expect(dev.sourceFile == file.path)
        #expect(try dev.imageReference(for: "base").description == "localhost:5000/b:1")
        #expect(try dev.imageReference(for: "dev").familiarDescription == "oubliette-dev:latest")
    }

    @Test func pathsFollowXDG() {
        let explicit = OubliettePaths.resolve(environment: ["HOME": "/h", "OUBLIETTE_CONFIG": "/c/o.jsonc"])
        #expect(explicit.configFile.path == "/c/o.jsonc")
        #expect(explicit.dataDirectory.path == "/h/.local/share/oubliette")
        let xdg = OubliettePaths.resolve(environment: ["HOME": "/h", "XDG_CONFIG_HOME": "/x", "XDG_DATA_HOME": "/d"])
        #expect(xdg.configFile.path == "/x/oubliette/oubliette.jsonc")
        #expect(xdg.dataDirectory.path == "/d/oubliette")
        let plain = OubliettePaths.resolve(environment: ["HOME": "/h"])
        #expect(plain.configFile.path == "/h/.config/oubliette/oubliette.jsonc")
    }

    @Test func shippedExampleConfigParses() throws {
        let example = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/oubliette.jsonc.example")
        let text = try String(contentsOf: example, encoding: .utf8)
        let config = try OublietteConfig(parsing: text, file: example.path, catalogue: catalogue, devMode: false)
        #expect(config.validTypes.contains("base"))
        // Every known key is documented in the example.
        for key in OublietteConfig.knownKeys {
            #expect(text.contains("\"\(key)\""), "config/oubliette.jsonc.example does not document \(key)")
        }
    }
}
