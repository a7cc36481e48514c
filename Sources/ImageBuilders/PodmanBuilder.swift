import Foundation

/// `podman build`, exported with `podman push NAME oci:DIR:TAG`.
package struct PodmanBuilder: ImageBuilder {
    package let runner: BuildToolRunner
    package let tlsVerify: Bool
    package var name: String { "podman" }

    package init(tlsVerify: Bool = true, runner: BuildToolRunner = BuildToolRunner()) {
        self.tlsVerify = tlsVerify
        self.runner = runner
    }

    package func buildArguments(_ request: BuildRequest) -> [String] {
        var arguments = ["build", "--tls-verify=\(tlsVerify)", "-f", request.dockerfile.path]
        arguments += request.commonFlags + request.baseAnnotationFlags
        if let timestamp = request.timestamp { arguments += ["--timestamp", String(Int64(timestamp.timeIntervalSince1970))] }
        arguments += ["-t", request.localName, request.context.path]
        return arguments
    }

    package func build(_ request: BuildRequest) async throws -> BuiltImage {
        _ = try await runner.check(request, "podman", buildArguments(request))
        _ = try await runner.check(
            request, "podman",
            ["push", request.localName, "oci:\(request.outputDirectory.path):\(request.layoutTag)"])
        return .ociLayout(directory: request.outputDirectory, tag: request.layoutTag)
    }
}
