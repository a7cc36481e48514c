import Foundation

/// `buildah build` with chroot isolation and vfs storage (works unprivileged-ish and in
/// containers where crun cannot manage cgroups), exported with `buildah push oci:DIR:TAG`.
public struct BuildahBuilder: ImageBuilder {
    public struct Options: Sendable, Equatable {
        /// `--root`; nil uses buildah's default storage.
        public var root: String?
        /// `--runroot`; nil uses buildah's default.
        public var runRoot: String?
        public var storageDriver: String
        public var isolation: String
        /// `--tls-verify` when pulling `FROM` images (off for loopback test registries).
        public var tlsVerify: Bool

        public init(
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

    public let options: Options
    public let runner: BuildToolRunner
    public var name: String { "buildah" }

    public init(options: Options = Options(), runner: BuildToolRunner = BuildToolRunner()) {
        self.options = options
        self.runner = runner
    }

    var globalArguments: [String] {
        var arguments: [String] = []
        if let root = options.root { arguments += ["--root", root] }
        if let runRoot = options.runRoot { arguments += ["--runroot", runRoot] }
        arguments += ["--storage-driver", options.storageDriver]
        return arguments
    }

    /// The `buildah … build` arguments for `request` (exposed for tests).
    public func buildArguments(_ request: BuildRequest) -> [String] {
        var arguments =
            globalArguments + [
                "build", "--isolation", options.isolation,
                "--tls-verify=\(options.tlsVerify)", "-f", request.dockerfile.path,
            ]
        arguments += request.commonFlags
        if let timestamp = request.timestamp { arguments += ["--timestamp", String(Int64(timestamp.timeIntervalSince1970))] }
        arguments += ["-t", request.localName, request.context.path]
        return arguments
    }

    public func build(_ request: BuildRequest) async throws -> BuiltImage {
        _ = try await runner.check(image: request.type, "buildah", buildArguments(request))
        let destination = "oci:\(request.outputDirectory.path):\(request.layoutTag)"
        _ = try await runner.check(image: request.type, "buildah", globalArguments + ["push", request.localName, destination])
        return .ociLayout(directory: request.outputDirectory, tag: request.layoutTag)
    }
}
