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

        // Each job gets only the permissions it needs; the workflow default is read-only.
        let workflow = mapping([
            ("name", "Release"),
            ("on", mapping([("push", mapping([("tags", Node([Node("v*", .implicit, .singleQuoted)]))]))])),
            ("permissions", mapping([("contents", "read")])),
            ("concurrency", mapping([("group", "release-${{ github.ref }}"), ("cancel-in-progress", "false")])),
            (
                "jobs",
                mapping([
                    (
                        "publish",
                        mapping([
                            ("name", Node("Build and push \(names)")),
                            ("runs-on", Node(runner)),
                            ("permissions", mapping([("contents", "read"), ("packages", "write")])),
                            ("timeout-minutes", "60"),
                            ("steps", Node(steps)),
                        ])
                    ),
                    ("binaries", binariesJob()),
                    ("github-release", githubReleaseJob()),
                ])
            ),
        ])
        return try render(workflow)
    }

    /// Where the CLI binaries are built: native runners, so nothing is cross-compiled.
    public static let binaryTargets: [(runner: String, os: String, arch: String)] = [
        ("ubuntu-24.04", "linux", "x86_64"),
        ("ubuntu-24.04-arm", "linux", "aarch64"),
        ("macos-15", "macos", "aarch64"),
    ]

    /// oubliette and release-tool per target, stamped with the tag's version, stripped,
    /// packed as `<tool>-<version>-<os>-<arch>.tar.gz` (the names self-update and
    /// scripts/install.sh look for) and attested.
    private func binariesJob() -> Node {
        let include = Self.binaryTargets.map { target in
            mapping([("runner", Node(target.runner)), ("os", Node(target.os)), ("arch", Node(target.arch))])
        }
        let build = """
            eval "$(bash scripts/version-env)"
            flags=(-c release)
            # Linux binaries carry the Swift runtime; macOS has its own.
            if [ "$RUNNER_OS" = Linux ]; then flags+=(--static-swift-stdlib); fi
            swift build "${flags[@]}" --product oubliette
            swift build "${flags[@]}" --product release-tool
            bin=$(swift build "${flags[@]}" --show-bin-path)
            mkdir -p stage dist
            for tool in oubliette release-tool; do
              cp "$bin/$tool" "stage/$tool"
              if [ "$RUNNER_OS" = Linux ]; then strip "stage/$tool"; else strip -x "stage/$tool"; fi
              printed=$("stage/$tool" --version)
              case "$printed" in
                "$OUBLIETTE_VERSION"*) ;;
                *) echo "::error::$tool reports $printed, expected $OUBLIETTE_VERSION"; exit 1 ;;
              esac
              tar -czf "dist/$tool-$OUBLIETTE_VERSION-${{ matrix.os }}-${{ matrix.arch }}.tar.gz" -C stage "$tool"
            done
            ls -l dist

            """
        return mapping([
            ("name", Node("Binaries for ${{ matrix.os }} ${{ matrix.arch }}")),
            ("runs-on", Node("${{ matrix.runner }}")),
            // attest-build-provenance needs an OIDC token and may write attestations; nothing else.
            ("permissions", mapping([("contents", "read"), ("id-token", "write"), ("attestations", "write")])),
            ("timeout-minutes", "60"),
            ("strategy", mapping([("fail-fast", "false"), ("matrix", mapping([("include", Node(include))]))])),
            (
                "steps",
                Node([
                    step("Check out with tags", uses: "actions/checkout@v4", with: [("fetch-depth", "0"), ("fetch-tags", "true")]),
                    swiftStep(),
                    step(
                        "Install libgit2",
                        run: """
                            if [ "$RUNNER_OS" = Linux ]; then
                              sudo apt-get update
                              sudo apt-get install -y --no-install-recommends libgit2-dev
                            else
                              brew install libgit2
                            fi

                            """),
                    step("Build, strip and pack", run: build),
                    step("Attest build provenance", uses: "actions/attest-build-provenance@v2", with: [("subject-path", "dist/*.tar.gz")]),
                    step(
                        "Upload archives", uses: "actions/upload-artifact@v4",
                        with: [
                            ("name", "binaries-${{ matrix.os }}-${{ matrix.arch }}"), ("path", "dist/*.tar.gz"), ("if-no-files-found", "error"),
                        ]),
                ])
            ),
        ])
    }

    /// One GitHub Release per tag with every archive and their SHA256SUMS, created only once
    /// the images and all binaries are published, so both come from the same tag.
    private func githubReleaseJob() -> Node {
        mapping([
            ("name", "GitHub Release"),
            ("needs", Node([Node("publish"), Node("binaries")])),
            ("runs-on", Node(runner)),
            ("permissions", mapping([("contents", "write")])),
            ("timeout-minutes", "15"),
            (
                "steps",
                Node([
                    step(
                        "Download archives", uses: "actions/download-artifact@v4",
                        with: [
                            ("pattern", "binaries-*"), ("path", "dist"), ("merge-multiple", "true"),
                        ]),
                    mapping([
                        ("name", "Create the release"),
                        ("env", mapping([("GH_TOKEN", "${{ github.token }}")])),
                        (
                            "run",
                            Node(
                                """
                                cd dist
                                sha256sum -- *.tar.gz > SHA256SUMS
                                cat SHA256SUMS
                                prerelease=()
                                case "$GITHUB_REF_NAME" in *-*) prerelease=(--prerelease) ;; esac
                                gh release create "$GITHUB_REF_NAME" --repo "$GITHUB_REPOSITORY" --verify-tag \\
                                  --title "$GITHUB_REF_NAME" --generate-notes "${prerelease[@]}" -- *.tar.gz SHA256SUMS

                                """, .implicit, .literal)
                        ),
                    ]),
                ])
            ),
        ])
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
