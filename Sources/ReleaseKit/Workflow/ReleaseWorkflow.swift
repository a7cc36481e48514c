import Foundation
import OublietteCore
import Yams

/// `.github/workflows/release.yml`: on a `v*` tag (or workflow_dispatch of an existing tag)
/// the CLI binaries are built once per platform; one job per image platform on a native
/// runner builds and pushes by digest with buildah using that release-tool; a merge job
/// tags the multi-platform indexes, signs (when the key secret exists) and attests them; a
/// scan job uploads SARIF; the GitHub Release comes last. Run scripts use no `${{ }}`
/// expressions (values arrive through `env:`), so no input can inject shell.
extension WorkflowGenerator {
    /// Where the CLI binaries are built: native runners, so nothing is cross-compiled.
    public static let binaryTargets: [(runner: String, os: String, arch: String)] = [
        ("ubuntu-24.04", "linux", "x86_64"),
        ("ubuntu-24.04-arm", "linux", "aarch64"),
        ("macos-15", "macos", "aarch64"),
    ]

    /// What building release-tool needs on Debian/Ubuntu: libgit2 (git tags), libsodium
    /// (cosign key files), zlib and zstd (layer readers for SBOMs).
    public static let buildPackages = "libgit2-dev libsodium-dev zlib1g-dev libzstd-dev"
    /// What the built release-tool loads at run time on Ubuntu 24.04 (zlib and zstd ship with it).
    public static let runtimePackages = "libgit2-1.7 libsodium23"
    /// The same for a macOS build (zlib is part of the SDK).
    public static let brewPackages = "libgit2 libsodium zstd"

    /// The tag being released: the pushed tag, or the dispatch input.
    static let releaseTagExpression = "${{ inputs.tag || github.ref_name }}"

    public func releaseWorkflow() throws -> String {
        let ordered = try catalogue.buildOrder()
        let names = ordered.map(\.imageName).joined(separator: ", ")
        let dispatchInputs = mapping([
            (
                "tag",
                mapping([
                    ("description", "Existing release tag to publish again (e.g. v1.2.3), to pick up base-image security fixes"),
                    ("required", "true"), ("type", "string"),
                ])
            ),
            (
                "force",
                mapping([
                    (
                        "description",
                        Node(
                            "Pass --force: rebuild and push even when the registry already has this version "
                                + "(the version tag then moves to the new build; off = nothing is pushed again)")
                    ),
                    ("type", "boolean"), ("default", "false"),
                ])
            ),
            (
                "fail-on",
                mapping([
                    ("description", "Fail the release when the scan finds this severity or worse (none = report only)"),
                    ("type", "choice"), ("options", list(["none", "low", "medium", "high", "critical"])), ("default", "none"),
                ])
            ),
        ])
        let workflow = mapping([
            ("name", "Release"),
            (
                "on",
                mapping([
                    ("push", mapping([("tags", Node([quoted("v*")]))])),
                    ("workflow_dispatch", mapping([("inputs", dispatchInputs)])),
                ])
            ),
            ("permissions", mapping([("contents", "read")])),
            // One queue for every release: two tags never publish (and move latest) at once.
            ("concurrency", mapping([("group", "release"), ("cancel-in-progress", "false")])),
            ("env", mapping([("RELEASE_TAG", Node(Self.releaseTagExpression))])),
            (
                "jobs",
                mapping([
                    ("binaries-linux", try linuxBinariesJob()),
                    ("binaries-macos", try macosBinariesJob()),
                    ("images", try imagesJob(names: names)),
                    ("publish", try mergeJob(ordered)),
                    ("scan", try scanJob(ordered)),
                    ("github-release", try githubReleaseJob()),
                ])
            ),
        ])
        return try render(workflow)
    }

    /// Builds, strips, checks `--version` and packs `<tool>-<version>-<os>-<arch>.tar.gz`
    /// (the names self-update and scripts/install.sh look for). Reads OS and ARCH.
    static let buildAndPackScript = """
        eval "$(bash scripts/version-env)"
        flags=(-c release)
        # Linux binaries carry the Swift runtime; macOS has its own.
        if [ "$OS" = linux ]; then flags+=(--static-swift-stdlib); fi
        swift build "${flags[@]}" --product oubliette
        swift build "${flags[@]}" --product release-tool
        bin=$(swift build "${flags[@]}" --show-bin-path)
        mkdir -p stage dist
        for tool in oubliette release-tool; do
          cp "$bin/$tool" "stage/$tool"
          if [ "$OS" = linux ]; then strip "stage/$tool"; else strip -x "stage/$tool"; fi
          printed=$("stage/$tool" --version)
          case "$printed" in
            "$OUBLIETTE_VERSION"*) ;;
            *) echo "::error::$tool reports $printed, expected $OUBLIETTE_VERSION"; exit 1 ;;
          esac
          tar -czf "dist/$tool-$OUBLIETTE_VERSION-$OS-$ARCH.tar.gz" -C stage "$tool"
        done
        ls -l dist

        """

    /// Unpacks the release-tool archive of this platform (from binaries-linux) onto PATH. Reads ARCH.
    static let installReleaseToolScript = """
        mkdir -p "$RUNNER_TEMP/bin"
        tar -xzf "$RUNNER_TEMP"/dist/release-tool-*-linux-"$ARCH".tar.gz -C "$RUNNER_TEMP/bin" release-tool
        echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
        "$RUNNER_TEMP/bin/release-tool" --version

        """

    /// release-tool links the system's libgit2 and libsodium; buildah comes with the runner image.
    static let installRuntimeScript = """
        sudo apt-get update
        sudo apt-get install -y --no-install-recommends \(runtimePackages)
        buildah --version

        """

    private func archiveSteps() throws -> [Node] {
        [
            try step("Attest build provenance", uses: "actions/attest-build-provenance", with: [("subject-path", "dist/*.tar.gz")]),
            try step(
                "Upload archives", uses: "actions/upload-artifact",
                with: [("name", "binaries-${{ matrix.os }}-${{ matrix.arch }}"), ("path", "dist/*.tar.gz"), ("if-no-files-found", "error")]),
        ]
    }

    private func binariesJob(name: String, runsOn: String, container: Node?, include: [Node], steps: [Node]) -> Node {
        var pairs: [(String, Node)] = [
            ("name", Node(name)),
            ("runs-on", Node(runsOn)),
        ]
        if let container { pairs.append(("container", container)) }
        pairs += [
            // attest-build-provenance needs an OIDC token and may write attestations; nothing else.
            ("permissions", mapping([("contents", "read"), ("id-token", "write"), ("attestations", "write")])),
            ("timeout-minutes", "60"),
            ("strategy", mapping([("fail-fast", "false"), ("matrix", mapping([("include", Node(include))]))])),
            ("steps", Node(steps)),
        ]
        return mapping(pairs)
    }

    /// Linux binaries in the official Swift image (setup-swift has no 6.3), with `.build` cached.
    private func linuxBinariesJob() throws -> Node {
        let include = Self.binaryTargets.filter { $0.os == "linux" }.map { target in
            mapping([("runner", Node(target.runner)), ("os", Node(target.os)), ("arch", Node(target.arch))])
        }
        let steps: [Node] = [
            try checkout(ref: "${{ env.RELEASE_TAG }}"),
            try step(
                "Install system libraries",
                run: "apt-get update\napt-get install -y --no-install-recommends \(Self.buildPackages)\n"
                    + "git config --global --add safe.directory \"$GITHUB_WORKSPACE\"\n"),
            try buildCache("release-linux-${{ matrix.arch }}"),
            try step(
                "Build, strip and pack", env: [("OS", "${{ matrix.os }}"), ("ARCH", "${{ matrix.arch }}")],
                run: Self.buildAndPackScript),
        ]
        return binariesJob(
            name: "Binaries for linux ${{ matrix.arch }}", runsOn: "${{ matrix.runner }}", container: Node(swiftImage),
            include: include, steps: steps + (try archiveSteps()))
    }

    /// macOS binaries with Swift installed by swiftly (no container images on macOS runners).
    private func macosBinariesJob() throws -> Node {
        let include = Self.binaryTargets.filter { $0.os == "macos" }.map { target in
            mapping([("runner", Node(target.runner)), ("os", Node(target.os)), ("arch", Node(target.arch))])
        }
        let swiftly = """
            curl -fsSL -o swiftly.pkg https://download.swift.org/swiftly/darwin/swiftly.pkg
            installer -pkg swiftly.pkg -target CurrentUserHomeDirectory
            "$HOME/.swiftly/bin/swiftly" init --quiet-shell-followup --assume-yes --skip-install
            . "$HOME/.swiftly/env.sh"
            swiftly install --use "$SWIFT_VERSION"
            echo "$HOME/.swiftly/bin" >> "$GITHUB_PATH"
            swift --version
            brew install \(Self.brewPackages)

            """
        let steps: [Node] = [
            try checkout(ref: "${{ env.RELEASE_TAG }}"),
            try step("Install Swift with swiftly, and system libraries", env: [("SWIFT_VERSION", swiftVersion)], run: swiftly),
            try buildCache("release-macos-${{ matrix.arch }}"),
            try step(
                "Build, strip and pack", env: [("OS", "${{ matrix.os }}"), ("ARCH", "${{ matrix.arch }}")],
                run: Self.buildAndPackScript),
        ]
        return binariesJob(
            name: "Binaries for macos ${{ matrix.arch }}", runsOn: "${{ matrix.runner }}", container: nil,
            include: include, steps: steps + (try archiveSteps()))
    }

    private func registryLogins(_ registries: [String]) throws -> [Node] {
        try registries.map { registry in
            let github = registry == "ghcr.io"
            return try step(
                "Log in to \(registry)", uses: "docker/login-action",
                with: [
                    ("registry", registry),
                    ("username", github ? "${{ github.actor }}" : "${{ secrets.REGISTRY_USERNAME }}"),
                    ("password", github ? "${{ secrets.GITHUB_TOKEN }}" : "${{ secrets.REGISTRY_PASSWORD }}"),
                ])
        }
    }

    private func installReleaseTool(arch: String) throws -> [Node] {
        [
            try step(
                "Download release-tool", uses: "actions/download-artifact", with: [("name", "binaries-linux-\(arch)"), ("path", "${{ runner.temp }}/dist")]),
            try step("Install system libraries", run: Self.installRuntimeScript),
            try step("Install release-tool", env: [("ARCH", arch)], run: Self.installReleaseToolScript),
        ]
    }

    /// One job per platform on a native runner: build with buildah and push by digest.
    private func imagesJob(names: String) throws -> Node {
        let include = try platformRunners().map { platform in
            mapping([("platform", Node(platform.platform)), ("arch", Node(platform.arch)), ("runner", Node(platform.runner))])
        }
        let publish = """
            force=()
            if [ "$FORCE" = true ]; then force=(--force); fi
            mkdir -p "$RUNNER_TEMP/digests"
            release-tool publish --builder buildah --git-tag "$RELEASE_TAG"\(catalogueArgument) \\
              --platform "$PLATFORM" --push-by-digest --digests-out "$RUNNER_TEMP/digests/$ARCH.json" "${force[@]}"

            """
        var steps: [Node] = [try checkout(ref: "${{ env.RELEASE_TAG }}")]
        steps += try installReleaseTool(arch: "${{ matrix.arch }}")
        // Anonymous Docker Hub pulls of the base image hit rate limits; log in when a token is set.
        steps.append(
            try step(
                "Log in to Docker Hub", if: "env.DOCKERHUB_LOGIN == 'true'", uses: "docker/login-action",
                with: [("username", "${{ secrets.DOCKERHUB_USERNAME }}"), ("password", "${{ secrets.DOCKERHUB_TOKEN }}")]))
        steps += try registryLogins(registries(try catalogue.buildOrder()))
        steps.append(
            try step(
                "Build and push \(names) for ${{ matrix.platform }} by digest",
                env: [("PLATFORM", "${{ matrix.platform }}"), ("ARCH", "${{ matrix.arch }}"), ("FORCE", "${{ inputs.force }}")],
                run: publish))
        steps.append(
            try step(
                "Upload digests", uses: "actions/upload-artifact",
                with: [("name", "digests-${{ matrix.arch }}"), ("path", "${{ runner.temp }}/digests/"), ("if-no-files-found", "error")]))
        return mapping([
            ("name", "Images for ${{ matrix.platform }}"),
            ("needs", Node([Node("binaries-linux")])),
            ("runs-on", Node("${{ matrix.runner }}")),
            ("permissions", mapping([("contents", "read"), ("packages", "write")])),
            ("timeout-minutes", "60"),
            ("env", mapping([("DOCKERHUB_LOGIN", "${{ secrets.DOCKERHUB_USERNAME != '' }}")])),
            ("strategy", mapping([("fail-fast", "true"), ("matrix", mapping([("include", Node(include))]))])),
            ("steps", Node(steps)),
        ])
    }

    /// Step id of the digests read back from published.txt.
    static let digestsStep = "digests"

    /// The job that makes the multi-platform indexes and tags them; the only one that may
    /// attest (id-token + attestations) and it also pushes tags (packages).
    private func mergeJob(_ ordered: [ImageCatalogue.Entry]) throws -> Node {
        let merge = "release-tool publish --merge \"$RUNNER_TEMP\"/digests/*.json --git-tag \"$RELEASE_TAG\"\(catalogueArgument)"
        var read = "set -o pipefail\n"
        for entry in ordered {
            read += """
                line=$(grep -m1 -E '/\(entry.imageName):[^@]+@sha256:[0-9a-f]{64}$' "$RUNNER_TEMP/published.txt")
                echo "\(entry.type)-name=${line%:*@*}" >> "$GITHUB_OUTPUT"
                echo "\(entry.type)-digest=${line#*@}" >> "$GITHUB_OUTPUT"
                echo "\(entry.type)-ref=${line%:*@*}@${line#*@}" >> "$GITHUB_OUTPUT"

                """
        }
        var steps: [Node] = [try checkout(ref: "${{ env.RELEASE_TAG }}")]
        steps += try installReleaseTool(arch: "x86_64")
        steps.append(
            try step(
                "Download digests", uses: "actions/download-artifact",
                with: [("pattern", "digests-*"), ("path", "${{ runner.temp }}/digests"), ("merge-multiple", "true")]))
        steps += try registryLogins(registries(ordered))
        // Signing needs the key; a fork or a repository without the secret publishes unsigned.
        steps.append(
            try step("Merge and tag", if: "env.SIGNING != 'true'", run: "set -o pipefail\n\(merge) | tee \"$RUNNER_TEMP/published.txt\"\n"))
        steps.append(
            try step(
                "Merge, tag and sign", if: "env.SIGNING == 'true'",
                env: [("COSIGN_PRIVATE_KEY", "${{ secrets.COSIGN_PRIVATE_KEY }}"), ("COSIGN_PASSWORD", "${{ secrets.COSIGN_PASSWORD }}")],
                run: "set -o pipefail\n\(merge) --sign --key-env COSIGN_PRIVATE_KEY | tee \"$RUNNER_TEMP/published.txt\"\n"))
        steps.append(try step("Read published digests", id: Self.digestsStep, run: read))
        for entry in ordered {
            steps.append(
                try step(
                    "Attest \(entry.imageName)", uses: "actions/attest-build-provenance",
                    with: [
                        ("subject-name", "${{ steps.\(Self.digestsStep).outputs.\(entry.type)-name }}"),
                        ("subject-digest", "${{ steps.\(Self.digestsStep).outputs.\(entry.type)-digest }}"),
                        ("push-to-registry", "true"),
                    ]))
        }
        steps.append(
            try step(
                "Summary of pushed digests",
                run: """
                    {
                      echo "### Published images"
                      echo
                      while read -r reference; do echo "- \\`$reference\\`"; done < "$RUNNER_TEMP/published.txt"
                    } >> "$GITHUB_STEP_SUMMARY"

                    """))
        let outputs = ordered.map { entry in
            ("\(entry.type)-ref", Node("${{ steps.\(Self.digestsStep).outputs.\(entry.type)-ref }}"))
        }
        return mapping([
            ("name", Node("Tag, sign and attest \(ordered.map(\.imageName).joined(separator: ", "))")),
            ("needs", Node([Node("images")])),
            ("runs-on", Node(runner)),
            ("permissions", mapping([("contents", "read"), ("packages", "write"), ("id-token", "write"), ("attestations", "write")])),
            ("timeout-minutes", "30"),
            ("env", mapping([("SIGNING", "${{ secrets.COSIGN_PRIVATE_KEY != '' }}")])),
            ("outputs", mapping(outputs)),
            ("steps", Node(steps)),
        ])
    }

    /// Scans each published index and uploads SARIF to code scanning; fails only at the
    /// severity the dispatch input names (a tag push reports only).
    private func scanJob(_ ordered: [ImageCatalogue.Entry]) throws -> Node {
        var scan = """
            mkdir -p "$RUNNER_TEMP/sarif"
            fail=()
            if [ "$FAIL_ON" != none ]; then fail=(--fail-on "$FAIL_ON"); fi
            status=0

            """
        var env: [(String, String)] = [("FAIL_ON", "${{ inputs.fail-on || 'none' }}")]
        for entry in ordered {
            let variable = "\(entry.type.uppercased().replacingOccurrences(of: "-", with: "_"))_REF"
            env.append((variable, "${{ needs.publish.outputs.\(entry.type)-ref }}"))
            scan +=
                "release-tool scan \"$\(variable)\" --db \"$RUNNER_TEMP/vulndb\" --format sarif \"${fail[@]}\" --output \"$RUNNER_TEMP/sarif/\(entry.type).sarif\" || status=$?\n"
        }
        scan += "exit \"$status\"\n"
        var steps: [Node] = [try checkout(ref: "${{ env.RELEASE_TAG }}")]
        steps += try installReleaseTool(arch: "x86_64")
        steps.append(
            try step(
                "Cache the vulnerability database", uses: "actions/cache",
                with: [("path", "${{ runner.temp }}/vulndb"), ("key", "vulndb-${{ github.run_id }}"), ("restore-keys", "vulndb-")]))
        // Refreshes the OSV exports (kept as they are, with their age reported, when offline).
        steps.append(try step("Update the advisory database", run: "release-tool scan --update-db \"$RUNNER_TEMP/vulndb\"\n"))
        steps.append(try step("Scan the published images", env: env, run: scan))
        steps.append(
            try step(
                "Upload SARIF", if: "always()", uses: "github/codeql-action/upload-sarif",
                with: [("sarif_file", "${{ runner.temp }}/sarif"), ("category", "images")]))
        return mapping([
            ("name", "Scan the published images"),
            ("needs", Node([Node("publish")])),
            ("runs-on", Node(runner)),
            ("permissions", mapping([("contents", "read"), ("packages", "read"), ("security-events", "write")])),
            ("timeout-minutes", "30"),
            ("steps", Node(steps)),
        ])
    }

    /// One GitHub Release per pushed tag with every archive and their SHA256SUMS, created
    /// only once the images and all binaries are published. A re-publish (dispatch) leaves
    /// the existing release alone.
    private func githubReleaseJob() throws -> Node {
        mapping([
            ("name", "GitHub Release"),
            ("if", "github.event_name == 'push'"),
            ("needs", list(["publish", "binaries-linux", "binaries-macos"])),
            ("runs-on", Node(runner)),
            ("permissions", mapping([("contents", "write")])),
            ("timeout-minutes", "15"),
            (
                "steps",
                Node([
                    try step(
                        "Download archives", uses: "actions/download-artifact",
                        with: [("pattern", "binaries-*"), ("path", "dist"), ("merge-multiple", "true")]),
                    try step(
                        "Create the release", env: [("GH_TOKEN", "${{ github.token }}")],
                        run: """
                            cd dist
                            sha256sum -- *.tar.gz > SHA256SUMS
                            cat SHA256SUMS
                            prerelease=()
                            case "$RELEASE_TAG" in *-*) prerelease=(--prerelease) ;; esac
                            gh release create "$RELEASE_TAG" --repo "$GITHUB_REPOSITORY" --verify-tag \\
                              --title "$RELEASE_TAG" --generate-notes "${prerelease[@]}" -- *.tar.gz SHA256SUMS

                            """),
                ])
            ),
        ])
    }
}
