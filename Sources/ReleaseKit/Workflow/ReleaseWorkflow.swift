import Foundation
import ImageCatalogue
import Yams

/// `.github/workflows/release.yml`: on a `vX.Y.Z[-pre]` tag (or workflow_dispatch of an
/// existing tag) a preflight job says what a private repository cannot do; the CLI binaries
/// are built once per platform and tool (oubliette where glibc is old, checked against the
/// floor); one job per image platform on a native runner builds, pushes by digest and
/// attests the platform manifests; a merge job tags, signs (when the key secret exists),
/// attests and inspects the indexes and decides whether this release is "Latest"; a scan
/// job uploads one SARIF per image; the GitHub Release is created as a draft, then
/// published; a verify job checks what was published. Run scripts use no `${{ }}`
/// expressions (values arrive through `env:`), so no input can inject shell.
extension WorkflowGenerator {
    /// Where the CLI binaries are built: native runners, so nothing is cross-compiled. Linux
    /// builds run in a Swift image: `oubliette` (what users install) in jammy, so it needs no
    /// glibc newer than `glibcFloor`; `release-tool` (the CI's own tool, linked to libgit2
    /// 1.7) in noble, where the image jobs run it.
    package static let binaryTargets: [(runner: String, os: String, arch: String)] = [
        ("ubuntu-24.04", "linux", "x86_64"),
        ("ubuntu-24.04-arm", "linux", "aarch64"),
        ("macos-15", "macos", "aarch64"),
    ]

    /// The Linux tools, the Swift image distribution each is built in and the highest glibc
    /// symbol version it may need (README states the floor users get).
    package static let linuxTools: [(tool: String, distribution: String, glibc: String)] = [
        ("oubliette", "jammy", glibcFloor),
        ("release-tool", "noble", "2.39"),
    ]

    /// The oldest glibc the Linux `oubliette` binaries run on (Ubuntu 22.04, Debian 12, Fedora 36).
    package static let glibcFloor = "2.35"

    /// What building release-tool needs on Debian/Ubuntu: libgit2 (git tags), libsodium
    /// (cosign key files), zlib and zstd (layer readers for SBOMs).
    package static let buildPackages = "libgit2-dev libsodium-dev zlib1g-dev libzstd-dev"
    /// What the built release-tool loads at run time on Ubuntu 24.04 (zlib and zstd ship with it).
    package static let runtimePackages = "libgit2-1.7 libsodium23"
    /// The same for a macOS build (zlib is part of the SDK).
    package static let brewPackages = "libgit2 libsodium zstd"

    /// The tag being released: the pushed tag, or the dispatch input.
    static let releaseTagExpression = "${{ inputs.tag || github.ref_name }}"

    /// Release tags: `vX.Y.Z` and `vX.Y.Z-prerelease` (GitHub filter patterns, not regexes:
    /// `+` repeats the class before it). A bare `v*` would also fire on `very-old-branch-tag`.
    package static let releaseTagPatterns = ["v[0-9]+.[0-9]+.[0-9]+", "v[0-9]+.[0-9]+.[0-9]+-*"]

    /// Runner of the arm64 jobs: GitHub's hosted arm runner, or the repository variable
    /// ARM64_RUNNER (private repositories get no hosted arm runners).
    static let arm64Runner = "${{ vars.ARM64_RUNNER || 'ubuntu-24.04-arm' }}"
    /// Artifact attestations: public repositories, or private ones that say they have them
    /// (GitHub Enterprise Cloud) with the variable ATTESTATIONS=true.
    static let attestCondition = "vars.ATTESTATIONS == 'true' || !github.event.repository.private"
    /// SARIF upload: public repositories, or private ones with code scanning (CODE_SCANNING=true).
    static let codeScanningCondition = "vars.CODE_SCANNING == 'true' || !github.event.repository.private"
    /// The environment holding the release secrets; docs/RELEASING.md limits it to release tags.
    package static let releaseEnvironment = "release"

    static func runner(_ runner: String) -> String { runner == "ubuntu-24.04-arm" ? arm64Runner : runner }

    package func releaseWorkflow() throws -> String {
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
                    ("push", mapping([("tags", Node(Self.releaseTagPatterns.map { quoted($0) }))])),
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
                    ("preflight", try preflightJob()),
                    ("binaries-linux", try linuxBinariesJob()),
                    ("binaries-macos", try macosBinariesJob()),
                    ("images", try imagesJob(ordered, names: names)),
                    ("publish", try mergeJob(ordered)),
                    ("scan", try scanJob(ordered)),
                    ("github-release", try githubReleaseJob()),
                    ("verify", try verifyJob(ordered)),
                ])
            ),
        ])
        return try render(workflow)
    }

    /// Says, before anything is built, what a private repository cannot do: no hosted arm64
    /// runners (fails unless ARM64_RUNNER names one), no attestations without Enterprise
    /// Cloud, no SARIF upload without code scanning (both skipped with a notice).
    private func preflightJob() throws -> Node {
        let script = """
            if [ "$PRIVATE" != true ]; then
              echo "public repository: hosted arm64 runners, attestations and code scanning are available"
              exit 0
            fi
            if [ -z "$ARM64_RUNNER" ]; then
              echo "::error::This repository is private, and GitHub gives private repositories no ubuntu-24.04-arm runners: the arm64 binaries and images would wait for a runner that never comes. Set the repository variable ARM64_RUNNER to the label of an arm64 runner you have (self-hosted or a larger runner); see docs/RELEASING.md, Private repositories."
              exit 1
            fi
            echo "arm64 jobs run on $ARM64_RUNNER"
            if [ "$ATTESTATIONS" != true ]; then
              echo "::notice::Private repository: artifact attestations need GitHub Enterprise Cloud, so this release is published without them. Set the repository variable ATTESTATIONS=true if the organisation has it."
            fi
            if [ "$CODE_SCANNING" != true ]; then
              echo "::notice::Private repository: uploading SARIF needs code scanning (GitHub Advanced Security), so the scan results are kept only as the workflow artifact sarif-<image>. Set the repository variable CODE_SCANNING=true once it is enabled."
            fi

            """
        return mapping([
            ("name", "What this repository can publish"),
            ("runs-on", Node(runner)),
            ("permissions", mapping([])),
            ("timeout-minutes", "5"),
            (
                "steps",
                Node([
                    try step(
                        "Check the private-repository limits",
                        env: [
                            ("PRIVATE", "${{ github.event.repository.private }}"), ("ARM64_RUNNER", "${{ vars.ARM64_RUNNER }}"),
                            ("ATTESTATIONS", "${{ vars.ATTESTATIONS }}"), ("CODE_SCANNING", "${{ vars.CODE_SCANNING }}"),
                        ],
                        run: script)
                ])
            ),
        ])
    }

    /// Builds, strips, checks `--version` and packs `<tool>-<version>-<os>-<arch>.tar.gz`
    /// (the names self-update and scripts/install.sh look for). Reads OS, ARCH, TOOLS and
    /// RELEASE_TAG: the version is the tag being released, not whatever tag `git describe`
    /// finds first (two tags on one commit would stamp the wrong one).
    static let buildAndPackScript = """
        export OUBLIETTE_VERSION="${RELEASE_TAG#v}"
        eval "$(bash scripts/version-env)"
        flags=(-c release)
        # Linux binaries carry the Swift runtime; macOS has its own.
        if [ "$OS" = linux ]; then flags+=(--static-swift-stdlib); fi
        bin=$(swift build "${flags[@]}" --show-bin-path)
        mkdir -p stage dist
        for tool in $TOOLS; do
          swift build "${flags[@]}" --product "$tool"
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

    /// The highest `GLIBC_x.y` symbol version each built binary needs may not exceed the
    /// floor this build promises (GLIBC_FLOOR); a binary built on a newer distribution than
    /// its floor fails here instead of on a user's machine ("version `GLIBC_2.39' not found").
    package static let glibcCheckScript = """
        status=0
        for binary in stage/*; do
          needed=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
          if [ -z "$needed" ]; then
            echo "::error::$binary has no GLIBC_ symbol versions: not a dynamically linked ELF binary"
            status=1
          elif [ "$(printf '%s\\n%s\\n' "$needed" "$GLIBC_FLOOR" | sort -V | tail -n 1)" != "$GLIBC_FLOOR" ]; then
            echo "::error::$binary needs glibc $needed, newer than the supported floor $GLIBC_FLOOR; build it on a distribution with glibc $GLIBC_FLOOR"
            status=1
          else
            echo "$binary needs glibc $needed (floor $GLIBC_FLOOR)"
          fi
        done
        exit "$status"

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

    /// The attest step of one subject (`actions/attest`), skipped where attestations are unavailable.
    func attest(_ name: String, id: String? = nil, with: [(String, String)]) throws -> Node {
        try step(name, id: id, if: Self.attestCondition, uses: "actions/attest", with: with)
    }

    /// Copies the attestation's Sigstore bundle (one for all the job's archives: each is a
    /// subject of its statement) to `<archive>.sigstore.json`, the release asset self-update
    /// and install.sh verify; the upload takes all of dist/ (archives and bundles). Reads BUNDLE.
    static let saveArchiveBundlesScript = """
        for archive in dist/*.tar.gz; do
          cp "$BUNDLE" "$archive.sigstore.json"
        done
        ls -l dist

        """

    private func archiveSteps(artifact: String) throws -> [Node] {
        [
            try attest("Attest the archives' build provenance", id: "attest-archives", with: [("subject-path", "dist/*.tar.gz")]),
            try step(
                "Keep the attestation bundle beside each archive", if: Self.attestCondition,
                env: [("BUNDLE", "${{ steps.attest-archives.outputs.bundle-path }}")], run: Self.saveArchiveBundlesScript),
            try step(
                "Upload archives", uses: "actions/upload-artifact",
                with: [("name", artifact), ("path", "dist/*"), ("if-no-files-found", "error")]),
        ]
    }

    private func binariesJob(name: String, runsOn: String, container: Node?, include: [Node], steps: [Node]) -> Node {
        var pairs: [(String, Node)] = [
            ("name", Node(name)),
            ("needs", list(["preflight"])),
            ("runs-on", Node(runsOn)),
        ]
        if let container { pairs.append(("container", container)) }
        pairs += [
            // actions/attest needs an OIDC token and writes attestations and their storage records.
            (
                "permissions",
                mapping([("contents", "read"), ("id-token", "write"), ("attestations", "write"), ("artifact-metadata", "write")])
            ),
            ("timeout-minutes", "60"),
            ("strategy", mapping([("fail-fast", "false"), ("matrix", mapping([("include", Node(include))]))])),
            ("steps", Node(steps)),
        ]
        return mapping(pairs)
    }

    /// Linux binaries in the official Swift images (setup-swift has no 6.3), one job per
    /// architecture and tool. No `.build` cache: a tag-triggered run must not restore what
    /// another ref's run saved (cache poisoning), and tags would rarely hit it anyway.
    private func linuxBinariesJob() throws -> Node {
        var include: [Node] = []
        for target in Self.binaryTargets where target.os == "linux" {
            for tool in Self.linuxTools {
                include.append(
                    mapping([
                        ("runner", Node(Self.runner(target.runner))), ("os", Node(target.os)), ("arch", Node(target.arch)),
                        ("tool", Node(tool.tool)), ("image", Node(try swiftImage(tool.distribution))), ("glibc", string(tool.glibc)),
                    ]))
            }
        }
        let steps: [Node] = [
            try checkout(ref: "${{ env.RELEASE_TAG }}"),
            try step(
                "Install system libraries",
                run: "apt-get update\napt-get install -y --no-install-recommends \(Self.buildPackages)\n"
                    + "git config --global --add safe.directory \"$GITHUB_WORKSPACE\"\n"),
            try step(
                "Build, strip and pack",
                env: [("OS", "${{ matrix.os }}"), ("ARCH", "${{ matrix.arch }}"), ("TOOLS", "${{ matrix.tool }}")],
                run: Self.buildAndPackScript),
            try step("Check the glibc floor", env: [("GLIBC_FLOOR", "${{ matrix.glibc }}")], run: Self.glibcCheckScript),
        ]
        return binariesJob(
            name: "${{ matrix.tool }} for linux ${{ matrix.arch }}", runsOn: "${{ matrix.runner }}", container: Node("${{ matrix.image }}"),
            include: include, steps: steps + (try archiveSteps(artifact: "binaries-linux-${{ matrix.arch }}-${{ matrix.tool }}")))
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
            try step(
                "Build, strip and pack",
                env: [("OS", "${{ matrix.os }}"), ("ARCH", "${{ matrix.arch }}"), ("TOOLS", "oubliette release-tool")],
                run: Self.buildAndPackScript),
        ]
        return binariesJob(
            name: "Binaries for macos ${{ matrix.arch }}", runsOn: "${{ matrix.runner }}", container: nil,
            include: include, steps: steps + (try archiveSteps(artifact: "binaries-${{ matrix.os }}-${{ matrix.arch }}")))
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

    /// The artifact holding the release-tool archive of `arch`.
    static func releaseToolArtifact(_ arch: String) -> String { "binaries-linux-\(arch)-release-tool" }

    private func installReleaseTool(arch: String) throws -> [Node] {
        [
            try step(
                "Download release-tool", uses: "actions/download-artifact",
                with: [("name", Self.releaseToolArtifact(arch)), ("path", "${{ runner.temp }}/dist")]),
            try step("Install system libraries", run: Self.installRuntimeScript),
            try step("Install release-tool", env: [("ARCH", arch)], run: Self.installReleaseToolScript),
        ]
    }

    /// Step id of the per-platform digests read back from the publish output.
    static let platformDigestsStep = "platform"

    /// One job per platform on a native runner: build with buildah, push by digest, attest
    /// each platform manifest (the index is attested by the merge job).
    private func imagesJob(_ ordered: [ImageCatalogue.Entry], names: String) throws -> Node {
        let include = try platformRunners().map { platform in
            mapping([("platform", Node(platform.platform)), ("arch", Node(platform.arch)), ("runner", Node(Self.runner(platform.runner)))])
        }
        let publish = """
            set -o pipefail
            force=()
            if [ "$FORCE" = true ]; then force=(--force); fi
            mkdir -p "$RUNNER_TEMP/digests"
            release-tool publish --builder buildah --git-tag "$RELEASE_TAG"\(catalogueArgument) \\
              --platform "$PLATFORM" --push-by-digest --digests-out "$RUNNER_TEMP/digests/$ARCH.json" "${force[@]}" \\
              | tee "$RUNNER_TEMP/pushed.txt"

            """
        // publish prints `name@sha256:… platform` per pushed platform manifest.
        var read = ""
        for entry in ordered {
            read += """
                line=$(grep -m1 -E '/\(entry.imageName)@sha256:[0-9a-f]{64} ' "$RUNNER_TEMP/pushed.txt")
                digest=${line#*@}
                echo "\(entry.type)-name=${line%%@*}" >> "$GITHUB_OUTPUT"
                echo "\(entry.type)-digest=${digest%% *}" >> "$GITHUB_OUTPUT"

                """
        }
        var steps: [Node] = [try checkout(ref: "${{ env.RELEASE_TAG }}")]
        steps += try installReleaseTool(arch: "${{ matrix.arch }}")
        // Anonymous Docker Hub pulls of the base image hit rate limits; log in when a token is set.
        steps.append(
            try step(
                "Log in to Docker Hub", if: "env.DOCKERHUB_LOGIN == 'true'", uses: "docker/login-action",
                with: [("username", "${{ secrets.DOCKERHUB_USERNAME }}"), ("password", "${{ secrets.DOCKERHUB_TOKEN }}")]))
        steps += try registryLogins(registries(ordered))
        steps.append(
            try step(
                "Build and push \(names) for ${{ matrix.platform }} by digest",
                env: [("PLATFORM", "${{ matrix.platform }}"), ("ARCH", "${{ matrix.arch }}"), ("FORCE", "${{ inputs.force }}")],
                run: publish))
        steps.append(try step("Read the pushed platform digests", id: Self.platformDigestsStep, run: read))
        for entry in ordered {
            steps.append(
                try attest(
                    "Attest \(entry.imageName) for ${{ matrix.platform }}",
                    with: [
                        ("subject-name", "${{ steps.\(Self.platformDigestsStep).outputs.\(entry.type)-name }}"),
                        ("subject-digest", "${{ steps.\(Self.platformDigestsStep).outputs.\(entry.type)-digest }}"),
                        ("push-to-registry", "true"),
                    ]))
        }
        // The digests only carry the per-platform results to the merge job of this run.
        steps.append(
            try step(
                "Upload digests", uses: "actions/upload-artifact",
                with: [
                    ("name", "digests-${{ matrix.arch }}"), ("path", "${{ runner.temp }}/digests/"), ("if-no-files-found", "error"),
                    ("retention-days", "1"),
                ]))
        return mapping([
            ("name", "Images for ${{ matrix.platform }}"),
            ("needs", list(["binaries-linux"])),
            ("runs-on", Node("${{ matrix.runner }}")),
            ("environment", Node(Self.releaseEnvironment)),
            (
                "permissions",
                mapping([
                    ("contents", "read"), ("packages", "write"), ("id-token", "write"), ("attestations", "write"),
                    ("artifact-metadata", "write"),
                ])
            ),
            ("timeout-minutes", "60"),
            ("env", mapping([("DOCKERHUB_LOGIN", "${{ secrets.DOCKERHUB_USERNAME != '' }}")])),
            // One platform failing must not cancel the other mid-push; the merge needs both anyway.
            ("strategy", mapping([("fail-fast", "false"), ("matrix", mapping([("include", Node(include))]))])),
            ("steps", Node(steps)),
        ])
    }

    /// Step id of the digests read back from published.txt.
    static let digestsStep = "digests"
    /// Step id of the GitHub Release flags (latest, prerelease).
    static let releaseFlagsStep = "release"

    /// Whether the GitHub Release is "Latest" follows the images' `latest` tag rule
    /// (TagRules, via `release-tool plan`): only the newest stable release; a backport of an
    /// older line or a prerelease never moves it. A prerelease is marked as one.
    var releaseFlagsScript: String {
        """
        set -o pipefail
        release-tool plan --git-tag "$RELEASE_TAG"\(catalogueArgument) --json > "$RUNNER_TEMP/plan.json"
        latest=$(jq -r '[.images[].tags[]] | index("latest") != null' "$RUNNER_TEMP/plan.json")
        version=$(jq -r '.version.version' "$RUNNER_TEMP/plan.json")
        case "${version%%+*}" in *-*) prerelease=true ;; *) prerelease=false ;; esac
        echo "latest=$latest" >> "$GITHUB_OUTPUT"
        echo "prerelease=$prerelease" >> "$GITHUB_OUTPUT"
        echo "$RELEASE_TAG: latest=$latest prerelease=$prerelease"

        """
    }

    /// The job that makes the multi-platform indexes and tags them; it attests the indexes
    /// (id-token + attestations), pushes tags (packages) and decides the release flags.
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
                try attest(
                    "Attest \(entry.imageName)",
                    with: [
                        ("subject-name", "${{ steps.\(Self.digestsStep).outputs.\(entry.type)-name }}"),
                        ("subject-digest", "${{ steps.\(Self.digestsStep).outputs.\(entry.type)-digest }}"),
                        ("push-to-registry", "true"),
                    ]))
        }
        var inspect = ""
        var inspectEnv: [(String, String)] = []
        for entry in ordered {
            let variable = Self.referenceVariable(entry)
            inspectEnv.append((variable, "${{ steps.\(Self.digestsStep).outputs.\(entry.type)-ref }}"))
            inspect += "release-tool registry inspect \"$\(variable)\"\n"
        }
        steps.append(try step("Inspect the published indexes", env: inspectEnv, run: inspect))
        steps.append(try step("Decide the GitHub Release's latest and prerelease flags", id: Self.releaseFlagsStep, run: releaseFlagsScript))
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
        var outputs = ordered.map { entry in
            ("\(entry.type)-ref", Node("${{ steps.\(Self.digestsStep).outputs.\(entry.type)-ref }}"))
        }
        outputs += ["latest", "prerelease"].map { ($0, Node("${{ steps.\(Self.releaseFlagsStep).outputs.\($0) }}")) }
        return mapping([
            ("name", Node("Tag, sign and attest \(ordered.map(\.imageName).joined(separator: ", "))")),
            ("needs", list(["images"])),
            ("runs-on", Node(runner)),
            ("environment", Node(Self.releaseEnvironment)),
            (
                "permissions",
                mapping([
                    ("contents", "read"), ("packages", "write"), ("id-token", "write"), ("attestations", "write"),
                    ("artifact-metadata", "write"),
                ])
            ),
            ("timeout-minutes", "30"),
            ("env", mapping([("SIGNING", "${{ secrets.COSIGN_PRIVATE_KEY != '' }}")])),
            ("outputs", mapping(outputs)),
            ("steps", Node(steps)),
        ])
    }

    /// `BASE_REF` for the base image: the environment variable holding its digest reference.
    static func referenceVariable(_ entry: ImageCatalogue.Entry) -> String {
        "\(entry.type.uppercased().replacingOccurrences(of: "-", with: "_"))_REF"
    }

    /// Scans each published index and uploads one SARIF per image, each under its own
    /// category: codeql-action refuses two runs of one tool in one upload, and code scanning
    /// keeps one analysis per tool and category. Fails only at the severity the dispatch
    /// input names (a tag push reports only). It logs in, so private GHCR packages are readable.
    private func scanJob(_ ordered: [ImageCatalogue.Entry]) throws -> Node {
        var scan = """
            mkdir -p "$RUNNER_TEMP/sarif"
            fail=()
            if [ "$FAIL_ON" != none ]; then fail=(--fail-on "$FAIL_ON"); fi
            status=0

            """
        var env: [(String, String)] = [("FAIL_ON", "${{ inputs.fail-on || 'none' }}")]
        for entry in ordered {
            let variable = Self.referenceVariable(entry)
            env.append((variable, "${{ needs.publish.outputs.\(entry.type)-ref }}"))
            scan +=
                "release-tool scan \"$\(variable)\" --db \"$RUNNER_TEMP/vulndb\" --format sarif \"${fail[@]}\" --output \"$RUNNER_TEMP/sarif/\(entry.type).sarif\" || status=$?\n"
        }
        scan += "exit \"$status\"\n"
        var steps: [Node] = [try checkout(ref: "${{ env.RELEASE_TAG }}")]
        steps += try installReleaseTool(arch: "x86_64")
        steps += try registryLogins(registries(ordered))
        // Fresh OSV exports every run (no cache a tag run could be poisoned through).
        steps.append(try step("Update the advisory database", run: "release-tool scan --update-db \"$RUNNER_TEMP/vulndb\"\n"))
        steps.append(try step("Scan the published images", env: env, run: scan))
        for entry in ordered {
            steps.append(
                try step(
                    "Upload SARIF for \(entry.imageName)", if: "always() && (\(Self.codeScanningCondition))", uses: "github/codeql-action/upload-sarif",
                    with: [("sarif_file", "${{ runner.temp }}/sarif/\(entry.type).sarif"), ("category", "image-\(entry.type)")]))
            steps.append(
                try step(
                    "Keep the SARIF of \(entry.imageName)", if: "always()", uses: "actions/upload-artifact",
                    with: [
                        ("name", "sarif-\(entry.type)"), ("path", "${{ runner.temp }}/sarif/\(entry.type).sarif"), ("if-no-files-found", "ignore"),
                    ]))
        }
        return mapping([
            ("name", "Scan the published images"),
            ("needs", list(["publish"])),
            ("runs-on", Node(runner)),
            ("environment", Node(Self.releaseEnvironment)),
            ("permissions", mapping([("contents", "read"), ("packages", "read"), ("security-events", "write")])),
            ("timeout-minutes", "30"),
            ("steps", Node(steps)),
        ])
    }

    /// Creates the release as a draft with every archive, its Sigstore bundle and SHA256SUMS, then publishes it,
    /// so `/releases/latest` never points at a release whose assets are still uploading.
    /// "Latest" only for the newest stable release; prereleases are marked as such.
    static let createReleaseScript = """
        cd dist
        sha256sum -- *.tar.gz > SHA256SUMS
        cat SHA256SUMS
        # Each archive's Sigstore bundle, where attestations are available (self-update needs it).
        bundles=()
        for archive in *.tar.gz; do
          if [ -f "$archive.sigstore.json" ]; then bundles+=("$archive.sigstore.json"); fi
        done
        echo "${#bundles[@]} Sigstore bundles"
        prerelease=()
        if [ "$PRERELEASE" = true ]; then prerelease=(--prerelease); fi
        gh release create "$RELEASE_TAG" --repo "$GITHUB_REPOSITORY" --verify-tag --draft \\
          --title "$RELEASE_TAG" --generate-notes "${prerelease[@]}" -- *.tar.gz "${bundles[@]}" SHA256SUMS
        gh release edit "$RELEASE_TAG" --repo "$GITHUB_REPOSITORY" --draft=false --latest="$LATEST"

        """

    /// One GitHub Release per pushed tag, created only once the images and all binaries are
    /// published. A re-publish (dispatch) leaves the existing release alone.
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
                        "Create the release as a draft, then publish it",
                        env: [
                            ("GH_TOKEN", "${{ github.token }}"), ("LATEST", "${{ needs.publish.outputs.latest }}"),
                            ("PRERELEASE", "${{ needs.publish.outputs.prerelease }}"),
                        ],
                        run: Self.createReleaseScript),
                ])
            ),
        ])
    }

    /// Downloads what was published and checks it the way a user would: SHA256SUMS, the
    /// archives' attestations, install.sh against the release, and each image pulled by its
    /// digest, its attestation verified and (with COSIGN_PUBLIC_KEY) its signature checked by
    /// our own `release-tool verify`.
    static let verifyArchivesScript = """
        mkdir -p "$RUNNER_TEMP/release"
        cd "$RUNNER_TEMP/release"
        gh release download "$RELEASE_TAG" --repo "$GITHUB_REPOSITORY" --dir .
        sha256sum --check --strict SHA256SUMS
        listed=$(wc -l < SHA256SUMS)
        archives=$(find . -maxdepth 1 -name '*.tar.gz' | wc -l)
        if [ "$listed" -ne "$archives" ]; then
          echo "::error::SHA256SUMS lists $listed files but the release has $archives archives"
          exit 1
        fi

        """

    static let verifyArchiveAttestationsScript = """
        cd "$RUNNER_TEMP/release"
        for archive in *.tar.gz; do
          gh attestation verify "$archive" --repo "$GITHUB_REPOSITORY"
        done

        """

    /// The runner has gh, so install.sh verifies the archive's Sigstore bundle: it must say so.
    /// What self-update checks, with our own verifier: each archive's published bundle, signed
    /// by this repository's release workflow on the tag, under the shipped public-good root.
    static let verifyArchiveBundlesScript = """
        cd "$RUNNER_TEMP/release"
        for archive in *.tar.gz; do
          release-tool verify-bundle --bundle "$archive.sigstore.json" \\
            --certificate-identity "https://github.com/$GITHUB_REPOSITORY/.github/workflows/release.yml@refs/tags/$RELEASE_TAG" \\
            --certificate-oidc-issuer https://token.actions.githubusercontent.com "$archive"
        done

        """

    static let verifyInstallScript = """
        OUBLIETTE_RELEASES_URL="$GITHUB_API_URL/repos/$GITHUB_REPOSITORY" \\
          sh scripts/install.sh --version "${RELEASE_TAG#v}" --prefix "$RUNNER_TEMP/installed" 2> "$RUNNER_TEMP/install.log" \\
          || { cat "$RUNNER_TEMP/install.log"; exit 1; }
        cat "$RUNNER_TEMP/install.log"
        if ! grep -q 'signature verified' "$RUNNER_TEMP/install.log"; then
          echo "::error::install.sh did not verify the archive's Sigstore bundle"
          exit 1
        fi
        printed=$("$RUNNER_TEMP/installed/bin/oubliette" --version)
        case "$printed" in
          "${RELEASE_TAG#v}"*) echo "install.sh installed oubliette $printed" ;;
          *) echo "::error::install.sh installed oubliette $printed, expected ${RELEASE_TAG#v}"; exit 1 ;;
        esac

        """

    private func verifyJob(_ ordered: [ImageCatalogue.Entry]) throws -> Node {
        var env: [(String, String)] = []
        var pull = "", attestations = "", signatures = ""
        signatures += "printf '%s\\n' \"$COSIGN_PUBLIC_KEY\" > \"$RUNNER_TEMP/cosign.pub\"\n"
        for entry in ordered {
            let variable = Self.referenceVariable(entry)
            env.append((variable, "${{ needs.publish.outputs.\(entry.type)-ref }}"))
            pull += "docker pull --quiet \"$\(variable)\"\n"
            attestations += "gh attestation verify \"oci://$\(variable)\" --repo \"$GITHUB_REPOSITORY\"\n"
            signatures += "release-tool verify \"$\(variable)\" --key \"$RUNNER_TEMP/cosign.pub\"\n"
        }
        let token = ("GH_TOKEN", "${{ github.token }}")
        var steps: [Node] = [try checkout(ref: "${{ env.RELEASE_TAG }}")]
        steps += try installReleaseTool(arch: "x86_64")
        steps += try registryLogins(registries(ordered))
        steps += [
            try step("Download the release and check SHA256SUMS", env: [token], run: Self.verifyArchivesScript),
            try step(
                "Verify the archives' attestations", if: Self.attestCondition, env: [token], run: Self.verifyArchiveAttestationsScript),
            // A private repository's attestations come from GitHub's own Sigstore instance, not
            // the public-good one release-tool ships.
            try step(
                "Verify the archives' bundles as self-update does", if: "!github.event.repository.private",
                run: Self.verifyArchiveBundlesScript),
            // install.sh downloads anonymously: only a public repository's release is reachable.
            // install.sh verifies the bundle with gh, which may ask for a token even with --bundle.
            try step(
                "Install with install.sh from the release", if: "!github.event.repository.private", env: [token], run: Self.verifyInstallScript),
            try step("Pull each image by its digest", env: env, run: pull),
            try step("Verify the images' attestations", if: Self.attestCondition, env: env + [token], run: attestations),
            try step(
                "Verify the images' signatures with release-tool verify", if: "env.COSIGN_PUBLIC_KEY != ''", env: env,
                run: signatures),
        ]
        return mapping([
            ("name", "Verify what was published"),
            ("needs", list(["publish", "github-release"])),
            ("runs-on", Node(runner)),
            ("permissions", mapping([("contents", "read"), ("packages", "read"), ("attestations", "read")])),
            ("timeout-minutes", "20"),
            // The public half of the signing key (a repository variable; docs/SIGNING.md).
            ("env", mapping([("COSIGN_PUBLIC_KEY", "${{ vars.COSIGN_PUBLIC_KEY }}")])),
            ("steps", Node(steps)),
        ])
    }
}
