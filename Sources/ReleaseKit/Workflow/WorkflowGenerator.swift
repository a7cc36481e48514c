import Foundation
import ImageBuilders
import OublietteCore
import Yams

/// A file the generator owns, with its path relative to the repository root.
public struct GeneratedFile: Sendable, Equatable {
    public let path: String
    public let contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// Generates `.github/workflows/release.yml` and `.github/workflows/ci.yml` from the
/// catalogue. Built as Yams nodes (mappings keep insertion order) so the output is
/// deterministic and always valid YAML; image names are read from the catalogue only.
public struct WorkflowGenerator: Sendable {
    public static let releasePath = ".github/workflows/release.yml"
    public static let ciPath = ".github/workflows/ci.yml"

    public let catalogue: ImageCatalogue
    /// Catalogue file relative to the repository root, or nil for the shipped catalogue.
    public let catalogueFile: String?
    public var runner: String
    public var swiftVersion: String
    /// Builder the release job uses (`docker-buildx` is what GitHub's runners have).
    public var builder: BuilderKind

    public init(
        catalogue: ImageCatalogue, catalogueFile: String? = nil, runner: String = "ubuntu-24.04",
        swiftVersion: String = "6.3", builder: BuilderKind = .dockerBuildx
    ) {
        self.catalogue = catalogue
        self.catalogueFile = catalogueFile
        self.runner = runner
        self.swiftVersion = swiftVersion
        self.builder = builder
    }

    public func files() throws -> [GeneratedFile] {
        [
            GeneratedFile(path: Self.releasePath, contents: try releaseWorkflow()),
            GeneratedFile(path: Self.ciPath, contents: try ciWorkflow()),
        ]
    }

    // MARK: release.yml

    public func releaseWorkflow() throws -> String {
        let ordered = try catalogue.buildOrder()
        let names = ordered.map(\.imageName).joined(separator: ", ")
        // release-tool is stamped with the tag's version (scripts/version-env reads the tag).
        var publish =
            "set -o pipefail\neval \"$(bash scripts/version-env)\"\n"
            + "swift run -c release release-tool publish --builder \(builder.rawValue) --git-tag \"$GITHUB_REF_NAME\""
        if let catalogueFile { publish += " --catalogue \(catalogueFile)" }
        publish += " | tee published.txt\n"

        var steps: [Node] = [
            step("Check out with tags", uses: "actions/checkout@v4", with: [("fetch-depth", "0"), ("fetch-tags", "true")]),
            swiftStep(),
            step("Install libgit2", run: "sudo apt-get update\nsudo apt-get install -y --no-install-recommends libgit2-dev\n"),
        ]
        if builder == .dockerBuildx {
            steps.append(step("Set up Docker Buildx", uses: "docker/setup-buildx-action@v3"))
        }
        for registry in registries(ordered) {
            let github = registry == "ghcr.io"
            steps.append(
                step(
                    "Log in to \(registry)", uses: "docker/login-action@v3",
                    with: [
                        ("registry", registry),
                        ("username", github ? "${{ github.actor }}" : "${{ secrets.REGISTRY_USERNAME }}"),
                        ("password", github ? "${{ secrets.GITHUB_TOKEN }}" : "${{ secrets.REGISTRY_PASSWORD }}"),
                    ]))
        }
        steps.append(step("Publish \(names)", run: publish))
        steps.append(
            step(
                "Summary of pushed digests",
                run: """
                    {
                      echo "### Published images"
                      echo
                      while read -r reference; do echo "- \\`$reference\\`"; done < published.txt
                    } >> "$GITHUB_STEP_SUMMARY"

                    """))

        let workflow = mapping([
            ("name", "Release images"),
            ("on", mapping([("push", mapping([("tags", Node([Node("v*", .implicit, .singleQuoted)]))]))])),
            ("permissions", mapping([("contents", "read"), ("packages", "write")])),
            ("concurrency", mapping([("group", "release-${{ github.ref }}"), ("cancel-in-progress", "false")])),
            (
                "jobs",
                mapping([
                    (
                        "publish",
                        mapping([
                            ("name", Node("Build and push \(names)")),
                            ("runs-on", Node(runner)),
                            ("timeout-minutes", "60"),
                            ("steps", Node(steps)),
                        ])
                    )
                ])
            ),
        ])
        return try render(workflow)
    }

    // MARK: ci.yml

    /// The project's own CI: `.ci/run` installs the system packages (scripts/install-deps),
    /// builds, runs the tests against the test bed and checks these workflows for drift, so
    /// the workflow only checks out and provides Swift. The test bed needs root.
    public func ciWorkflow() throws -> String {
        let workflow = mapping([
            ("name", "CI"),
            (
                "on",
                mapping([
                    ("push", mapping([("branches", Node([Node("main")]))])),
                    ("pull_request", Node("", .implicit, .plain)),
                ])
            ),
            ("permissions", mapping([("contents", "read")])),
            (
                "jobs",
                mapping([
                    (
                        "test",
                        mapping([
                            ("name", "Build, test and check generated workflows"),
                            ("runs-on", Node(runner)),
                            ("timeout-minutes", "60"),
                            (
                                "steps",
                                Node([
                                    step("Check out with tags", uses: "actions/checkout@v4", with: [("fetch-depth", "0"), ("fetch-tags", "true")]),
                                    swiftStep(),
                                    step("Run .ci/run", run: "sudo --preserve-env=PATH,CI bash .ci/run\n"),
                                ])
                            ),
                        ])
                    )
                ])
            ),
        ])
        return try render(workflow)
    }

    // MARK: Helpers

    private func registries(_ entries: [ImageCatalogue.Entry]) -> [String] {
        var seen: [String] = []
        for entry in entries {
            guard let registry = try? entry.publishedReference().registry, !seen.contains(registry) else { continue }
            seen.append(registry)
        }
        return seen
    }

    private func render(_ node: Node) throws -> String {
        let header =
            "# Generated by `release-tool workflow` from the image catalogue. Do not edit by hand:\n"
            + "# change the catalogue or release-tool, then run `swift run release-tool workflow`.\n"
        return header + (try Yams.serialize(node: node, indent: 2, width: -1, sortKeys: false))
    }

    /// The version is quoted: a plain `6.10` would be read as the number 6.1.
    private func swiftStep() -> Node {
        mapping([
            ("name", Node("Set up Swift \(swiftVersion)")),
            ("uses", Node("swift-actions/setup-swift@v2")),
            ("with", mapping([("swift-version", Node(swiftVersion, .implicit, .singleQuoted))])),
        ])
    }

    private func mapping(_ pairs: [(String, Node)]) -> Node {
        Node(pairs.map { (Node($0.0), $0.1) })
    }

    private func step(_ name: String, uses: String? = nil, with: [(String, String)] = [], run: String? = nil) -> Node {
        var pairs: [(String, Node)] = [("name", Node(name))]
        if let uses { pairs.append(("uses", Node(uses))) }
        if !with.isEmpty { pairs.append(("with", mapping(with.map { ($0.0, Node($0.1)) }))) }
        if let run { pairs.append(("run", Node(run, .implicit, run.contains("\n") ? .literal : .any))) }
        return mapping(pairs)
    }
}
