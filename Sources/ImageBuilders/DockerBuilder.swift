import Foundation

/// Docker, in one of two modes:
/// - `buildx`: `docker buildx build --output type=oci,dest=FILE.tar`, unpacked into an OCI
///   layout. Needs a builder whose driver can export OCI (docker-container, as
///   docker/setup-buildx-action creates on GitHub's runners).
/// - `legacy`: `docker build` (`DOCKER_BUILDKIT=0`), then `docker save`. Docker 25+ saves an
///   OCI layout; older engines save only the legacy archive, and then the image is pushed
///   with `docker push` — the only export they offer — and the registry client just adds tags.
package struct DockerBuilder: ImageBuilder {
    package enum Mode: String, Sendable, CaseIterable { case buildx, legacy }

    package let mode: Mode
    package let runner: BuildToolRunner
    /// `--network` for RUN steps (BuildKit on a daemon without a bridge needs `none`/`host`).
    package let network: String?
    package var name: String { mode == .buildx ? "docker buildx" : "docker" }
    /// Legacy `docker build` has one image per tag; buildx exports each platform's manifest.
    package var exportsPlatformManifests: Bool { mode != .legacy }

    package init(mode: Mode, network: String? = nil, runner: BuildToolRunner = BuildToolRunner()) {
        self.mode = mode
        self.network = network
        self.runner = runner
    }

    package func buildArguments(_ request: BuildRequest, archive: URL) -> [String] {
        var arguments = mode == .buildx ? ["buildx", "build"] : ["build"]
        arguments += ["-f", request.dockerfile.path]
        if let network { arguments += ["--network", network] }
        arguments += request.commonFlags
        arguments += ["-t", request.localName]
        if mode == .buildx, let timestamp = request.timestamp {
            // BuildKit 0.11+ stamps the image and its layers with SOURCE_DATE_EPOCH.
            arguments += ["--build-arg", "SOURCE_DATE_EPOCH=\(Int64(timestamp.timeIntervalSince1970))"]
        }
        if mode == .buildx {
            // The OCI exporter records the `-t` tag as the layout's ref name, which is why
            // `localName` ends in `:layoutTag`.
            arguments += ["--output", "type=oci,dest=\(archive.path)"]
        }
        arguments += [request.context.path]
        return arguments
    }

    package func build(_ request: BuildRequest) async throws -> BuiltImage {
        let fileManager = FileManager.default
        let archive = request.outputDirectory.appendingPathExtension("tar")
        defer { try? fileManager.removeItem(at: archive) }
        switch mode {
        case .buildx:
            _ = try await runner.check(request, "docker", buildArguments(request, archive: archive))
        case .legacy:
            try await legacyBuild(request, archive: archive)
            _ = try await runner.check(request, "docker", ["save", "-o", archive.path, request.localName])
        }
        try fileManager.createDirectory(at: request.outputDirectory, withIntermediateDirectories: true)
        _ = try await runner.check(request, "tar", ["-xf", archive.path, "-C", request.outputDirectory.path])

        let index = request.outputDirectory.appendingPathComponent("index.json")
        guard fileManager.fileExists(atPath: index.path) else {
            // Legacy archive: no OCI layout to hand over, so let docker push it.
            try? fileManager.removeItem(at: request.outputDirectory)
            let destination = request.destination.description
            _ = try await runner.check(request, "docker", ["tag", request.localName, destination])
            _ = try await runner.check(request, "docker", ["push", destination])
            return .pushedByBuilder(request.destination)
        }
        return .ociLayout(directory: request.outputDirectory, tag: request.layoutTag)
    }

    /// `docker build` with the classic builder, which stores the image in the engine under
    /// `request.localName` and works on daemons without BuildKit.
    private func legacyBuild(_ request: BuildRequest, archive: URL) async throws {
        _ = try await runner.adding(environment: ["DOCKER_BUILDKIT": "0"]).check(request, "docker", buildArguments(request, archive: archive))
    }
}

extension DockerBuilder: EngineImageBuilder {
    /// Builds straight into the Docker engine named by `DOCKER_HOST`; nothing is exported.
    package func buildIntoEngine(_ request: BuildRequest) async throws {
        try await legacyBuild(request, archive: request.outputDirectory.appendingPathExtension("tar"))
    }
}
