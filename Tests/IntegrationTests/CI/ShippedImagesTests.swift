import Foundation
import ImageCatalogue
import OublietteCore
import Testing

/// The shipped `containers/base` and `containers/dev`, unedited, built by `release-tool
/// publish` with buildah on a real Debian bookworm (debootstrap, cached by
/// scripts/debian-rootfs) that stands in for `debian:bookworm-slim` through the
/// DEBIAN_IMAGE build argument, pushed to the bed and run in the bed's dockerd.
@Suite("Shipped images built on the test bed")
struct ShippedImagesTests {
    @Test(
        "base and dev build on debootstrap bookworm, publish, and dev runs git, cc and python3 as agent in dockerd",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(25)))
    func shippedImages() async throws {
        let bed = TestBed.required
        let clock = ContinuousClock()
        let started = clock.now

        // The same once-per-process push the SBOM and scan tests use: one writer of the tag.
        let debian = try await InventoryTestSupport.debianImage(bed)
        let baseReady = clock.now

        let bench = try await WorkflowTestBench(bed: bed, label: "shipped")
        let registry = "\(bed.registry)/\(bench.namespace.split(separator: "/").last ?? "shipped")"
        var arguments = [
            "publish", "--repo", bench.origin.path, "--git-tag", bench.tag, "--registry", registry,
            "--build-arg", "DEBIAN_IMAGE=\(debian)", "--builder", "buildah",
            "--buildah-root", "\(bed.buildahRoot)/root", "--buildah-runroot", "\(bed.buildahRoot)/runroot",
        ]
        // The shipped catalogue lists arm64 too, whose RUN steps need emulation here.
        let help = try await ToolRunner.run(WorkflowTestBench.releaseTool.path, ["publish", "--help"]).stdout
        if help.contains("--platform") { arguments += ["--platform", "linux/amd64"] }
        let published = try await ToolRunner.run(WorkflowTestBench.releaseTool.path, arguments, timeout: 1500)
        let built = clock.now
        let lines = published.stdout.split(separator: "\n").map(String.init)
        let dev = try #require(lines.first { $0.contains("/oubliette-dev:\(bench.tag)@sha256:") }, "\(published.stdout)")
        #expect(lines.contains { $0.contains("/oubliette-base:\(bench.tag)@sha256:") }, "\(published.stdout)")

        // The Dockerfiles were not edited to point at the bed: the clone is clean and the pin is intact.
        #expect(try await ToolRunner.run("git", ["-C", bench.origin.path, "status", "--porcelain"]).stdout.isEmpty)
        let dockerfile = try String(contentsOf: bench.origin.appendingPathComponent("containers/base/Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim@sha256:"))

        let reference = String(dev.split(separator: "@")[0])
        try await ToolRunner.run("docker", ["pull", "--quiet", reference], timeout: 600)
        let run = try await ToolRunner.run(
            "docker",
            ["run", "--rm", "--network", "none", "--user", "agent", reference, "sh", "-c", "id -un; git --version; cc --version; python3 --version"],
            timeout: 300)
        let output = run.stdout.split(separator: "\n").map(String.init)
        #expect(output.first == "agent", "\(run.stdout)")
        #expect(output.contains { $0.hasPrefix("git version 2.") }, "\(run.stdout)")
        #expect(output.contains { $0.hasPrefix("cc (Debian") }, "\(run.stdout)")
        #expect(output.contains { $0.hasPrefix("Python 3.11") }, "\(run.stdout)")
        try await ToolRunner.run("docker", ["rmi", "--force", reference], check: false)
        let ran = clock.now

        // Reproducible: the same commit, rebuilt from scratch on the same Debian rootfs, gives
        // the same base digest (dev is left out: its BASE_IMAGE names the first run's registry,
        // so it differs by construction). A base-only catalogue beside the clone keeps it clean.
        let baseOnly = bench.directory.appendingPathComponent("base-only/catalogue.jsonc")
        try FileManager.default.createDirectory(at: baseOnly.deletingLastPathComponent(), withIntermediateDirectories: true)
        // The shipped entry as it is (its summary is the description label), with paths into the clone.
        let shipped = try #require(ImageCatalogue.shipped.entry(for: "base"))
        let relative = "../\(bench.origin.lastPathComponent)/containers/base"
        let entry: [String: Any] = [
            "type": shipped.type, "repository": shipped.repository, "summary": shipped.summary,
            "dockerfile": "\(relative)/Dockerfile", "context": relative, "platforms": ["linux/amd64"],
        ]
        try JSONSerialization.data(withJSONObject: ["images": [entry]], options: [.sortedKeys]).write(to: baseOnly)
        var again = arguments
        again[again.firstIndex(of: registry)!] = registry + "-rebuild"
        again += ["--catalogue", baseOnly.path]
        let rebuilt = try await ToolRunner.run(WorkflowTestBench.releaseTool.path, again, timeout: 900)
        func baseDigest(_ output: String) -> String? {
            output.split(separator: "\n").first { $0.contains("/oubliette-base:\(bench.tag)@sha256:") }?.split(separator: "@").last.map(String.init)
        }
        let first = try #require(baseDigest(published.stdout)), second = try #require(baseDigest(rebuilt.stdout), "\(rebuilt.stdout)")
        if first != second {
            // Say what differs: the layers (file content) or only the config.
            var manifests: [String] = []
            for (target, digest) in [(registry, first), (registry + "-rebuild", second)] {
                let raw = try await ToolRunner.run(
                    "skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(target)/oubliette-base@\(digest)"], check: false)
                manifests.append(raw.stdout)
            }
            Issue.record("two builds of containers/base from one commit and one rootfs differ:\n\(manifests.joined(separator: "\n"))")
        }
        print(
            "shipped images: debian base ready in \(baseReady - started), base+dev built and pushed in \(built - baseReady), "
                + "pulled and run in \(ran - built), base rebuilt for the reproducibility check in \(clock.now - ran), total \(clock.now - started)")
    }

    /// qemu-aarch64 registered in binfmt_misc (scripts/binfmt-qemu, run by install-deps): the
    /// kernel then runs the arm64 RUN steps, debootstrap and containers under emulation.
    static let arm64Emulated: Bool = {
        guard let entry = try? String(contentsOfFile: "/proc/sys/fs/binfmt_misc/qemu-aarch64", encoding: .utf8) else { return false }
        return entry.hasPrefix("enabled")
    }()
    /// Opt-in (OUBLIETTE_TEST_ARM64=1): .ci/run runs it in a step of its own after the suite,
    /// so its emulated builds (both cores for minutes) neither starve the suite's timing-bound
    /// tests nor are starved by them.
    static let arm64Runs =
        TestBed.isAvailable && ProcessInfo.processInfo.environment["OUBLIETTE_TEST_ARM64"] == "1"

    @Test(
        "the arm64 release path: base and dev published for linux/arm64 by digest under qemu, merged with amd64, dev runs as agent on arm64",
        .enabled(if: arm64Runs, "opt-in: OUBLIETTE_TEST_ARM64=1, the test bed and qemu-aarch64 in binfmt_misc (bash scripts/binfmt-qemu)"),
        .timeLimit(.minutes(25)))
    func shippedImagesArm64() async throws {
        let bed = TestBed.required
        try #require(
            Self.arm64Emulated,
            "qemu-aarch64 is not registered in /proc/sys/fs/binfmt_misc: run `bash scripts/binfmt-qemu` as root (scripts/install-deps does)")
        let clock = ContinuousClock()
        let started = clock.now

        // A real arm64 bookworm (debootstrap --arch arm64, cached) for the arm64 leg's DEBIAN_IMAGE,
        // the amd64 one (shared with the other shipped-image tests) for the amd64 leg's.
        let arm64Debian = "\(bed.registry)/fixtures/debian-arm64:bookworm"
        async let arm64Pushed = await ToolRunner.run(
            "bash",
            [
                InventoryTestSupport.repositoryRoot.appendingPathComponent("scripts/debian-rootfs").path,
                "--arch", "arm64", "--push", arm64Debian,
            ],
            environment: ["OUBLIETTE_TEST_BUILDAH_ROOT": bed.buildahRoot], timeout: 1500)
        let amd64Debian = try await InventoryTestSupport.debianImage(bed)
        _ = try await arm64Pushed
        let baseReady = clock.now
        // Progress as it goes (stdout is not buffered by the test runner), so a time limit hit
        // in CI says which phase it was in.
        print("shipped images arm64: debian bases (amd64, arm64 under qemu) ready in \(baseReady - started)")

        let bench = try await WorkflowTestBench(bed: bed, label: "shipped-arm64")
        let registry = "\(bed.registry)/\(bench.namespace.split(separator: "/").last ?? "shipped-arm64")"
        let common = ["publish", "--repo", bench.origin.path, "--git-tag", bench.tag, "--registry", registry]
        func leg(_ architecture: String, debian: String) async throws -> (digests: URL, stdout: String) {
            let digests = bench.directory.appendingPathComponent("\(architecture).json")
            let arguments =
                common + [
                    "--build-arg", "DEBIAN_IMAGE=\(debian)", "--builder", "buildah",
                    "--buildah-root", "\(bed.buildahRoot)/root", "--buildah-runroot", "\(bed.buildahRoot)/runroot",
                    "--platform", "linux/\(architecture)", "--push-by-digest", "--digests-out", digests.path,
                ]
            let result = try await ToolRunner.run(WorkflowTestBench.releaseTool.path, arguments, timeout: 1500)
            return (digests, result.stdout)
        }
        // The two fan-out jobs of release.yml, concurrently as on two runners.
        async let arm64Leg = leg("arm64", debian: arm64Debian)
        async let amd64Leg = leg("amd64", debian: amd64Debian)
        let (arm64, amd64) = try await (arm64Leg, amd64Leg)
        let built = clock.now
        print("shipped images arm64: amd64 and arm64 legs built and pushed by digest in \(built - baseReady)")
        for (architecture, output) in [("arm64", arm64.stdout), ("amd64", amd64.stdout)] {
            let lines = output.split(separator: "\n")
            #expect(lines.contains { $0.contains("/oubliette-base@sha256:") }, "\(architecture) leg: \(output)")
            #expect(lines.contains { $0.contains("/oubliette-dev@sha256:") }, "\(architecture) leg: \(output)")
        }
        let arm64Digests = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: arm64.digests)) as? [String: Any])
        let arm64Images = try #require(arm64Digests["images"] as? [[String: Any]])
        #expect(arm64Images.count == 2, "\(arm64Digests)")
        #expect(arm64Images.allSatisfy { ($0["platform"] as? [String: Any])?["architecture"] as? String == "arm64" }, "\(arm64Digests)")

        let merged = try await ToolRunner.run(
            WorkflowTestBench.releaseTool.path, common + ["--merge", amd64.digests.path, arm64.digests.path], timeout: 600)
        let lines = merged.stdout.split(separator: "\n").map(String.init)
        let dev = try #require(lines.first { $0.contains("/oubliette-dev:\(bench.tag)@sha256:") }, "\(merged.stdout)")
        #expect(lines.contains { $0.contains("/oubliette-base:\(bench.tag)@sha256:") }, "\(merged.stdout)")
        let reference = String(dev.split(separator: "@")[0])

        // The tag is one index naming both platforms.
        let index = try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(reference)"])
        let manifests = try #require(
            (try JSONSerialization.jsonObject(with: Data(index.stdout.utf8)) as? [String: Any])?["manifests"] as? [[String: Any]],
            "\(index.stdout)")
        let architectures = Set(manifests.compactMap { ($0["platform"] as? [String: Any])?["architecture"] as? String })
        #expect(architectures == ["amd64", "arm64"], "\(index.stdout)")

        // dockerd selects the arm64 entry of the index and runs it under qemu (binfmt_misc, F flag).
        try await ToolRunner.run("docker", ["pull", "--quiet", "--platform", "linux/arm64", reference], timeout: 600)
        let inspected = try await ToolRunner.run("docker", ["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", reference])
        #expect(inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "linux/arm64")
        // e_machine (bytes 18-19 of the ELF header) of each binary: b7 00 is EM_AARCH64.
        let script = """
            id -un; uname -m; git --version; cc --version | head -n 1; cc -dumpmachine; python3 --version
            for b in git cc python3; do printf '%s ' "$b"; od -An -tx1 -j18 -N2 "$(readlink -f "$(command -v "$b")")"; done
            """
        let run = try await ToolRunner.run(
            "docker", ["run", "--rm", "--network", "none", "--platform", "linux/arm64", "--user", "agent", reference, "sh", "-c", script],
            timeout: 600)
        let output = run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(output.first == "agent", "\(run.stdout)")
        #expect(output.contains("aarch64"), "uname -m: \(run.stdout)")
        #expect(output.contains("aarch64-linux-gnu"), "cc -dumpmachine: \(run.stdout)")
        #expect(output.contains { $0.hasPrefix("git version 2.") }, "\(run.stdout)")
        #expect(output.contains { $0.hasPrefix("cc (Debian") }, "\(run.stdout)")
        #expect(output.contains { $0.hasPrefix("Python 3.11") }, "\(run.stdout)")
        for binary in ["git", "cc", "python3"] {
            #expect(output.contains { $0.hasPrefix("\(binary) ") && $0.hasSuffix("b7 00") }, "\(binary) is not aarch64: \(run.stdout)")
        }
        try await ToolRunner.run("docker", ["rmi", "--force", reference], check: false)
        print(
            "shipped images arm64: debian bases ready in \(baseReady - started), amd64+arm64 legs built and pushed in \(built - baseReady), "
                + "merged, pulled and run in \(clock.now - built), total \(clock.now - started)")
    }
}
