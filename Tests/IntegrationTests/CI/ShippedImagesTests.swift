import Foundation
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
}
