import Foundation
import ImageCatalogue
import OublietteCore
import ReleaseKit
import Testing
import Yams

/// What the CI execution tests share: a clone of this repository tagged as a release, the
/// release-tool under test behind a stand-in for the archive the binaries job packs, and
/// the bed's registry credentials in place of the CI system's.
struct WorkflowTestBench {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let releaseTool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")

    let bed: TestBed
    let directory: URL
    let tag: String
    /// A clone of this repository with `tag` on HEAD: what checkout gives a tag-push job.
    let origin: URL
    /// `registry/namespace` the stand-in release-tool publishes to (the bed's Basic-auth registry).
    let namespace: String
    let home: URL
    /// The two-platform busybox fixture when the bed has its index (linux/amd64 + arm64, no RUN
    /// steps, so both per-platform jobs run here); else the amd64-only one.
    let fixtureCatalogue: String
    let busyboxImage: String

    init(bed: TestBed, label: String) async throws {
        self.bed = bed
        directory = try bed.makeTemporaryDirectory(label)
        tag = "v9.8.\(Int.random(in: 1...999))"
        origin = directory.appendingPathComponent("origin")
        namespace = "\(bed.authRegistry)/\(label)-\(UUID().uuidString.prefix(6).lowercased())"
        home = directory.appendingPathComponent("home")
        if let multi = bed.busyboxMultiImage {
            fixtureCatalogue = "Tests/Fixtures/busybox-multi/catalogue.jsonc"
            busyboxImage = multi
        } else {
            fixtureCatalogue = "Tests/Fixtures/busybox/catalogue.jsonc"
            busyboxImage = bed.busyboxImage
        }
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        // A snapshot of the working tree (what is about to be committed), committed and tagged:
        // cloning would need the original .git, which a worktree's bind mount may hide.
        try FileManager.default.createDirectory(at: origin, withIntermediateDirectories: true)
        try await ToolRunner.run(
            "/bin/bash",
            [
                "-c",
                "tar -C \"$1\" --exclude=./.git --exclude='./.build*' --exclude='./.venv*' --exclude=./.ci-out --exclude=./.swiftpm "
                    + "-cf - . | tar -C \"$2\" -xf -",
                "_", Self.repositoryRoot.path, origin.path,
            ])
        let dates = ["GIT_COMMITTER_DATE": "2024-03-04T05:06:07Z", "GIT_AUTHOR_DATE": "2024-03-04T05:06:07Z"]
        func git(_ arguments: String...) async throws {
            try await ToolRunner.run(
                "git", ["-C", origin.path, "-c", "user.name=CI Test", "-c", "user.email=ci@example.invalid"] + arguments,
                environment: dates)
        }
        try await git("init", "--quiet", "-b", "main")
        try await git("add", "-A")
        try await git("commit", "--quiet", "-m", "release under test")
        try await git("tag", "-a", tag, "-m", tag)
    }

    /// The generated files for the busybox fixture catalogue, from the checked-in pins: the
    /// same generator and templates as the committed files, with images this bed can build offline.
    func generated() throws -> (github: [String: Any], gitlab: [String: Any]) {
        let loaded = try LoadedCatalogue.load(path: origin.appendingPathComponent(fixtureCatalogue).path, root: origin)
        let generator = WorkflowGenerator(
            catalogue: loaded.catalogue, catalogueFile: fixtureCatalogue, pins: try ActionPins.load(root: Self.repositoryRoot))
        let release = try #require(try Yams.load(yaml: try generator.releaseWorkflow()) as? [String: Any])
        let gitlab = try #require(try Yams.load(yaml: try generator.gitlabPipeline()) as? [String: Any])
        return (release, gitlab)
    }

    /// Writes the stand-in for the archive's release-tool: the binary under test, told where
    /// this bed keeps buildah's storage and the busybox fixture; with `registry`, also
    /// `--registry` (the GitHub workflow publishes to ghcr.io, which the bed replaces).
    func standIn(at url: URL, registry: String?) async throws {
        let fanOut = await Self.hasFanOut()
        let builderFlags = [
            "--buildah-root", "\(bed.buildahRoot)/root", "--buildah-runroot", "\(bed.buildahRoot)/runroot",
            "--build-arg", "BUSYBOX_IMAGE=\(busyboxImage)",
        ].map { "'\($0)'" }.joined(separator: " ")
        // Without the fan-out flags (an older release-tool) the per-platform step runs the
        // one-process publish and records its output as the "digests file", and --merge
        // prints that record: the single-process path, reported as such by the test.
        let singleProcess = """
              if [ "$SINGLE_PROCESS" = 1 ]; then
                args=(); out=; merge=()
                while (( $# )); do
                  case $1 in
                    --platform) shift 2 ;;
                    --push-by-digest) shift ;;
                    --digests-out) out=$2; shift 2 ;;
                    --merge) shift; while (( $# )) && [[ $1 != --* ]]; do merge+=("$1"); shift; done ;;
                    *) args+=("$1"); shift ;;
                  esac
                done
                if (( ${#merge[@]} )); then cat "${merge[@]}"; exit 0; fi
                '\(Self.releaseTool.path)' publish "${args[@]}" "${extra[@]}" | tee "$out"
                exit "${PIPESTATUS[0]}"
              fi

            """
        let script = """
            #!/bin/bash
            # Stand-in for the release-tool of the binaries archive (a release build takes ~12 min
            # here): the test build, pointed at the test bed.
            set -e
            SINGLE_PROCESS=\(fanOut ? "0" : "1")
            if [ "$1" = publish ]; then
              shift
              extra=(\(registry.map { "--registry '\($0)'" } ?? ""))
              case " $* " in *" --merge "*) ;; *) extra+=(\(builderFlags)) ;; esac
            \(singleProcess)
              exec '\(Self.releaseTool.path)' publish "$@" "${extra[@]}"
            fi
            exec '\(Self.releaseTool.path)' "$@"

            """
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(script.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    /// Environment every step sees: a private HOME (docker config of the login stand-in) and
    /// registries.conf marking the bed's registries as plain HTTP for buildah.
    func baseEnvironment() throws -> [String: String] {
        let registries = directory.appendingPathComponent("registries.conf")
        let text = [bed.registry, bed.authRegistry].map { "[[registry]]\nlocation = \"\($0)\"\ninsecure = true\n" }.joined(separator: "\n")
        try Data(text.utf8).write(to: registries)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["CONTAINERS_REGISTRIES_CONF"] = registries.path
        environment["REGISTRY_AUTH_FILE"] = home.appendingPathComponent(".docker/config.json").path
        return environment
    }

    /// What docker/login-action leaves behind: an auths entry in ~/.docker/config.json.
    func login(registry: String, user: String, password: String) throws {
        let url = home.appendingPathComponent(".docker/config.json")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var auths: [String: Any] = [:]
        if let data = try? Data(contentsOf: url), let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
            auths = json["auths"] as? [String: Any] ?? [:]
        }
        auths[registry] = ["auth": Data("\(user):\(password)".utf8).base64EncodedString()]
        try JSONSerialization.data(withJSONObject: ["auths": auths], options: [.sortedKeys]).write(to: url)
    }

    /// Whether the release-tool under test has the multi-platform fan-out flags.
    static func hasFanOut() async -> Bool {
        guard let help = try? await ToolRunner.run(releaseTool.path, ["publish", "--help"], check: false) else { return false }
        return help.stdout.contains("--push-by-digest") && help.stdout.contains("--merge")
    }

    /// Whether the release-tool under test has a subcommand (scan, …).
    static func hasCommand(_ name: String) async -> Bool {
        // `release-tool NAME --help` of an unknown NAME prints the root help and exits 0: read the list.
        guard let help = try? await ToolRunner.run(releaseTool.path, ["--help"], check: false) else { return false }
        return help.stdout.split(separator: "\n").contains { $0.hasPrefix("  \(name) ") }
    }
}
