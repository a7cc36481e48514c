import Foundation
import ImageCatalogue
import OCIDistribution
import Testing

@testable import ReleaseKit

@Suite("Release plan")
struct ReleasePlannerTests {
    /// base → dev → osint, declared out of order on purpose.
    static func threeLevels() throws -> LoadedCatalogue {
        let catalogue = try ImageCatalogue(entries: [
            .init(
                type: "osint", repository: "ghcr.io/acme/osint", dockerfile: "osint/Dockerfile", context: "osint",
                parent: "dev", summary: "OSINT tools"),
            .init(
                type: "dev", repository: "ghcr.io/acme/dev", dockerfile: "dev/Dockerfile", context: "dev",
                parent: "base", summary: "Dev tools"),
            .init(
                type: "base", repository: "ghcr.io/acme/base", dockerfile: "base/Dockerfile", context: "base",
                summary: "Base image"),
        ])
        return LoadedCatalogue(catalogue: catalogue, root: URL(fileURLWithPath: "/src"), origin: "test")
    }

    static func version(_ text: String, tagged: [String] = ["1.0.0", "1.1.0"]) throws -> ReleaseVersion {
        ReleaseVersion(
            version: try SemanticVersion(parsing: text), gitTag: "v\(text)", isSnapshot: false,
            revision: String(repeating: "ab", count: 20), created: Date(timeIntervalSince1970: 1_700_000_000),
            taggedVersions: try tagged.map { try SemanticVersion(parsing: $0) })
    }

    func setting(_ settings: [PlanSetting], _ key: String) -> PlanValue? { settings.first { $0.key == key }?.value }

    @Test("three levels are ordered parents first, with BASE_IMAGE pinned to the parent's digest")
    func ordering() throws {
        let planner = ReleasePlanner(
            buildArguments: ["BUSYBOX_IMAGE": "127.0.0.1:5000/busybox:1"],
            source: "https://github.com/acme/images", checkFiles: false)
        let plan = try planner.plan(Self.threeLevels(), version: Self.version("1.1.0"))
        #expect(plan.images.map(\.type) == ["base", "dev", "osint"])
        let base = plan.images[0], dev = plan.images[1], osint = plan.images[2]
        #expect(base.dockerfile == "/src/base/Dockerfile")
        #expect(base.context == "/src/base")
        #expect(base.tags == ["v1.1.0", "latest"])
        #expect(setting(base.buildArgs, "BASE_IMAGE") == nil)
        #expect(setting(base.buildArgs, "BUSYBOX_IMAGE") == .literal("127.0.0.1:5000/busybox:1"))
        #expect(setting(dev.buildArgs, "BASE_IMAGE") == .parentDigestReference(parent: "base", repository: "ghcr.io/acme/base"))
        #expect(setting(osint.buildArgs, "BASE_IMAGE") == .parentDigestReference(parent: "dev", repository: "ghcr.io/acme/dev"))
        #expect(setting(osint.labels, "org.opencontainers.image.base.digest") == .parentDigest(parent: "dev"))
        #expect(setting(osint.labels, "org.opencontainers.image.base.name") == .literal("ghcr.io/acme/dev:v1.1.0"))

        #expect(setting(dev.labels, "org.opencontainers.image.version") == .literal("1.1.0"))
        #expect(setting(dev.labels, "org.opencontainers.image.revision") == .literal(String(repeating: "ab", count: 20)))
        #expect(setting(dev.labels, "org.opencontainers.image.created") == .literal("2023-11-14T22:13:20Z"))
        #expect(setting(dev.labels, "org.opencontainers.image.source") == .literal("https://github.com/acme/images"))
        #expect(setting(dev.labels, "org.opencontainers.image.title") == .literal("dev"))

        // Resolution after the parent is pushed.
        let digest = Digest(trustedSHA256Hex: String(repeating: "0f", count: 32))
        let resolved = try setting(dev.buildArgs, "BASE_IMAGE")?.resolved(pushed: ["base": digest])
        #expect(resolved == "ghcr.io/acme/base@\(digest)")
        #expect(throws: ReleasePlanError.parentNotPushed(parent: "base")) {
            try setting(dev.buildArgs, "BASE_IMAGE")?.resolved(pushed: [:])
        }
    }

    @Test("registry override keeps image names")
    func registryOverride() throws {
        var planner = ReleasePlanner(checkFiles: false)
        planner.registry = try RegistryOverride(parsing: "127.0.0.1:5000/ci")
        let plan = try planner.plan(Self.threeLevels(), version: Self.version("1.0.1"))
        #expect(plan.images.map(\.repository) == ["127.0.0.1:5000/ci/base", "127.0.0.1:5000/ci/dev", "127.0.0.1:5000/ci/osint"])
        #expect(plan.images[0].tags == ["v1.0.1"], "backport does not get latest")
        #expect(
            try RegistryOverride(parsing: "localhost:5000").repository(for: Self.threeLevels().catalogue.entries[0])
                == "localhost:5000/osint")
        #expect(throws: ReleasePlanError.self) { try RegistryOverride(parsing: "https://ghcr.io") }
        #expect(throws: ReleasePlanError.self) { try RegistryOverride(parsing: "noregistry/ns") }
    }

    @Test("a cycle names the entries")
    func cycle() throws {
        // ImageCatalogue refuses cycles at construction; the planner surfaces the same error.
        do {
            _ = try ImageCatalogue(entries: [
                .init(type: "a", repository: "ghcr.io/x/a", parent: "c", summary: "a"),
                .init(type: "b", repository: "ghcr.io/x/b", parent: "a", summary: "b"),
                .init(type: "c", repository: "ghcr.io/x/c", parent: "b", summary: "c"),
            ])
            Issue.record("expected a cycle error")
        } catch {
            guard case let .cycle(path) = error else { Issue.record("unexpected \(error)"); return }
            #expect(Set(path) == ["a", "b", "c"])
            #expect(error.description.contains("a -> b -> c -> a") || error.description.contains("->"))
        }
        #expect {
            _ = try ImageCatalogue(entries: [.init(type: "dev", repository: "ghcr.io/x/dev", parent: "nope", summary: "d")])
        } throws: { error in
            (error as? CatalogueError).map { "\($0)".contains("nope") && "\($0)".contains("dev") } ?? false
        }
    }

    @Test("invalid tag prefix, build args and missing Dockerfiles are clear errors")
    func errors() throws {
        var planner = ReleasePlanner(checkFiles: false)
        planner.tagRules = TagRules(prefix: "-bad")
        #expect(throws: ReleasePlanError.invalidTag(type: "base", tag: "-bad1.1.0")) {
            try planner.plan(Self.threeLevels(), version: Self.version("1.1.0"))
        }
        #expect(throws: ReleasePlanError.invalidBuildArgument("NOVALUE")) { try ReleasePlanner.parseBuildArguments(["NOVALUE"]) }
        #expect(try ReleasePlanner.parseBuildArguments(["A=1=2", "B="]) == ["A": "1=2", "B": ""])
        let checking = ReleasePlanner(checkFiles: true)
        #expect(throws: ReleasePlanError.missingDockerfile(type: "base", path: "/src/base/Dockerfile")) {
            try checking.plan(Self.threeLevels(), version: Self.version("1.1.0"))
        }
    }

    @Test("table and JSON rendering carry images, tags, build args and labels")
    func rendering() throws {
        let plan = try ReleasePlanner(checkFiles: false).plan(Self.threeLevels(), version: Self.version("1.1.0"))
        let table = plan.renderedTable
        #expect(table.contains("release 1.1.0 (tag v1.1.0)"))
        #expect(table.contains("ghcr.io/acme/base@<digest of base>"))
        #expect(table.contains("v1.1.0,latest"))
        let json = try plan.renderedJSON()
        let decoded = try JSONDecoder.iso8601.decode(ReleasePlan.self, from: Data(json.utf8))
        #expect(decoded == plan)
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // The plan's JSON has snake_case keys, as every --json output.
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
