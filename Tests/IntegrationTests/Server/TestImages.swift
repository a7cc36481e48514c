import Foundation
import OCIDistribution
import TestSupport

/// Images for project containers, built with buildah from the bed's busybox image and
/// pushed to the bed's registry. Their command keeps running (busybox's own `sh` would exit
/// at once) and ends promptly on SIGTERM, so stops do not wait out a timeout.
enum TestImages {
    static let longRunningCommand = #"["sh","-c","trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"]"#

    /// Builds and pushes `reference`; `marker` goes into a label so each push has its own digest.
    /// Returns the manifest digest the registry now serves for it.
    @discardableResult
    /// - Parameter payloadMiB: adds a layer of that many MiB of random bytes, so pulling the
    ///   image takes a while (single-flight tests need concurrent callers to overlap one pull).
    static func push(_ reference: String, version: String, marker: String, payloadMiB: Int = 0, bed: TestBed) async throws -> String {
        let storage = ["--root", "\(bed.buildahRoot)/root", "--runroot", "\(bed.buildahRoot)/runroot", "--storage-driver", "vfs"]
        let container = try await ToolRunner.run("buildah", storage + ["from", "--tls-verify=false", "docker://\(bed.busyboxImage)"]).trimmedStdout
        let removeContainer = { (container: String) async in _ = try? await ToolRunner.run("buildah", storage + ["rm", container], check: false) }
        try await withFixture(container, tearDown: removeContainer) { container in
            if payloadMiB > 0 {
                let payload = try bed.makeTemporaryDirectory("payload").appendingPathComponent("payload")
                try await ToolRunner.run("sh", ["-c", "head -c \(payloadMiB << 20) /dev/urandom > '\(payload.path)'"])
                try await ToolRunner.run("buildah", storage + ["copy", container, payload.path, "/payload"])
            }
            try await ToolRunner.run(
                "buildah",
                storage + [
                    "config", "--cmd", longRunningCommand,
                    "--label", "org.opencontainers.image.version=\(version)",
                    "--label", "test.marker=\(marker)", container,
                ])
            try await ToolRunner.run("buildah", storage + ["commit", "-q", container, reference])
        }
        try await ToolRunner.run("buildah", storage + ["push", "--tls-verify=false", reference, "docker://\(reference)"])
        return try await digest(of: reference)
    }

    static func digest(of reference: String) async throws -> String {
        try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://\(reference)"]).trimmedStdout
    }

    /// The built `oubliette` executable beside the test bundle.
    static func oublietteBinary() -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oubliette")
    }
}
