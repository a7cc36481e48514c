import Foundation
import OCIDistribution

/// `buildah build` with chroot isolation and vfs storage (works unprivileged-ish and in
/// containers where crun cannot manage cgroups), exported with `buildah push oci:DIR:TAG`.
package struct BuildahBuilder: ImageBuilder {
    package struct Options: Sendable, Equatable {
        /// `--root`; nil uses buildah's default storage.
        package var root: String?
        /// `--runroot`; nil uses buildah's default.
        package var runRoot: String?
        package var storageDriver: String
        package var isolation: String
        /// `--tls-verify` when pulling `FROM` images (off for loopback test registries).
        package var tlsVerify: Bool

        package init(
            root: String? = nil, runRoot: String? = nil, storageDriver: String = "vfs",
            isolation: String = "chroot", tlsVerify: Bool = true
        ) {
            self.root = root
            self.runRoot = runRoot
            self.storageDriver = storageDriver
            self.isolation = isolation
            self.tlsVerify = tlsVerify
        }
    }

    package let options: Options
    package let runner: BuildToolRunner
    package var name: String { "buildah" }

    package init(options: Options = Options(), runner: BuildToolRunner = BuildToolRunner()) {
        self.options = options
        self.runner = runner
    }

    var globalArguments: [String] { globalArguments(for: nil) }

    /// With an explicit `--root`, each platform builds in its own store beside it
    /// (`ROOT-linux-arm64`): platforms built at once then never share a FROM tag's local name.
    func globalArguments(for platform: Platform?) -> [String] {
        let suffix = platform.map { "-" + [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "-") } ?? ""
        var arguments: [String] = []
        if let root = options.root { arguments += ["--root", root + suffix] }
        if let runRoot = options.runRoot { arguments += ["--runroot", runRoot + (options.root == nil ? "" : suffix)] }
        arguments += ["--storage-driver", options.storageDriver]
        return arguments
    }

    /// Separate stores per platform need an explicit `--root` to put them beside.
    package var buildsPlatformsIndependently: Bool { options.root != nil }

    /// The `buildah … build` arguments for `request` (exposed for tests).
    package func buildArguments(_ request: BuildRequest) -> [String] {
        var arguments =
            globalArguments(for: request.platform) + [
                "build", "--isolation", options.isolation,
                "--tls-verify=\(options.tlsVerify)", "-f", request.dockerfile.path,
            ]
        arguments += request.commonFlags + request.baseAnnotationFlags
        if let timestamp = request.timestamp { arguments += ["--timestamp", String(Int64(timestamp.timeIntervalSince1970))] }
        arguments += ["-t", request.localName, request.context.path]
        return arguments
    }

    package func build(_ request: BuildRequest) async throws -> BuiltImage {
        _ = try await runner.check(request, "buildah", buildArguments(request))
        let destination = "oci:\(request.outputDirectory.path):\(request.layoutTag)"
        _ = try await runner.check(
            request, "buildah", globalArguments(for: request.platform) + ["push", request.localName, destination])
        return .ociLayout(directory: request.outputDirectory, tag: request.layoutTag)
    }
}
