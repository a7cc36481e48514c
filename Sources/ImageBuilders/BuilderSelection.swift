import Foundation

/// `--builder` values, and auto-detection when none is given.
package enum BuilderKind: String, Sendable, CaseIterable {
    case buildah
    case podman
    case dockerBuildx = "docker-buildx"
    case docker

    /// Daemonless builders first: they export OCI layouts with no extra set-up. Docker
    /// buildx next (its OCI export needs a docker-container builder), legacy docker last.
    package static func detect(runner: BuildToolRunner = BuildToolRunner()) async throws(BuilderError) -> BuilderKind {
        if BuildToolRunner.which("buildah") != nil { return .buildah }
        if BuildToolRunner.which("podman") != nil { return .podman }
        if BuildToolRunner.which("docker") != nil {
            if let result = try? await runner.run("docker", ["buildx", "version"]), result.status == 0 { return .dockerBuildx }
            return .docker
        }
        throw .noBuilderFound(tried: allCases.map(\.rawValue))
    }

    package init(parsing value: String) throws(BuilderError) {
        guard let kind = BuilderKind(rawValue: value) else {
            throw .unknownBuilder(value, known: Self.allCases.map(\.rawValue))
        }
        self = kind
    }
}

/// Everything needed to construct any builder, gathered from command-line options.
package struct BuilderConfiguration: Sendable, Equatable {
    package var buildah: BuildahBuilder.Options
    /// Verify TLS when builders pull `FROM` images.
    package var tlsVerify: Bool
    package var dockerNetwork: String?
    /// Where the builder's output lines go while it runs (nil: nowhere, `--quiet`).
    package var log: BuildLog?

    package init(buildah: BuildahBuilder.Options = .init(), tlsVerify: Bool = true, dockerNetwork: String? = nil, log: BuildLog? = nil) {
        self.buildah = buildah
        self.tlsVerify = tlsVerify
        self.dockerNetwork = dockerNetwork
        self.log = log
    }

    package static func == (lhs: BuilderConfiguration, rhs: BuilderConfiguration) -> Bool {
        lhs.buildah == rhs.buildah && lhs.tlsVerify == rhs.tlsVerify && lhs.dockerNetwork == rhs.dockerNetwork
            && (lhs.log == nil) == (rhs.log == nil)
    }

    package func makeBuilder(_ kind: BuilderKind) -> any ImageBuilder {
        let runner = BuildToolRunner(log: log)
        switch kind {
        case .buildah:
            var options = buildah
            options.tlsVerify = tlsVerify
            return BuildahBuilder(options: options, runner: runner)
        case .podman:
            return PodmanBuilder(tlsVerify: tlsVerify, runner: runner)
        case .dockerBuildx:
            return DockerBuilder(mode: .buildx, network: dockerNetwork, runner: runner)
        case .docker:
            return DockerBuilder(mode: .legacy, network: dockerNetwork, runner: runner)
        }
    }
}
