import Foundation
import Testing

@testable import ContainerRuntimes
@testable import OCIDistribution

@Suite("Docker pull progress stream")
struct DockerPullProgressDecoderTests {
    /// Captured from dockerd 20.10 pulling a one-layer image from a local registry.
    static let capturedStream = """
        {"status":"Pulling from fixtures/busybox","id":"1"}
        {"status":"Pulling fs layer","progressDetail":{},"id":"2c2136a93bfa"}
        {"status":"Downloading","progressDetail":{"current":36445,"total":1083703},"progress":"[=\\u003e     ]  36.45kB/1.084MB","id":"2c2136a93bfa"}
        {"status":"Verifying Checksum","progressDetail":{},"id":"2c2136a93bfa"}
        {"status":"Download complete","progressDetail":{},"id":"2c2136a93bfa"}
        {"status":"Extracting","progressDetail":{"current":1083703,"total":1083703},"progress":"[=====\\u003e]  1.084MB/1.084MB","id":"2c2136a93bfa"}
        {"status":"Pull complete","progressDetail":{},"id":"2c2136a93bfa"}
        {"status":"Digest: sha256:4a734084a17819de5f0bfbc25b0650c358b847f375bb009b377278addc3fa900"}
        {"status":"Status: Downloaded newer image for 127.0.0.1:5917/fixtures/busybox:1"}

        """

    static let expected: [PullEvent] = [
        PullEvent(layer: "1", status: "Pulling from fixtures/busybox"),
        PullEvent(layer: "2c2136a93bfa", status: "Pulling fs layer"),
        PullEvent(layer: "2c2136a93bfa", status: "Downloading", current: 36445, total: 1_083_703),
        PullEvent(layer: "2c2136a93bfa", status: "Verifying Checksum"),
        PullEvent(layer: "2c2136a93bfa", status: "Download complete"),
        PullEvent(layer: "2c2136a93bfa", status: "Extracting", current: 1_083_703, total: 1_083_703),
        PullEvent(layer: "2c2136a93bfa", status: "Pull complete"),
        PullEvent(status: "Digest: sha256:4a734084a17819de5f0bfbc25b0650c358b847f375bb009b377278addc3fa900"),
        PullEvent(status: "Status: Downloaded newer image for 127.0.0.1:5917/fixtures/busybox:1"),
    ]

    @Test func decodesACapturedStreamInOneChunk() throws {
        var decoder = DockerPullProgressDecoder(image: "127.0.0.1:5917/fixtures/busybox:1")
        var events = try decoder.feed(Array(Self.capturedStream.utf8))
        events += try decoder.finish()
        #expect(events == Self.expected)
        #expect(events[2].fraction.map { abs($0 - 36445.0 / 1_083_703.0) < 1e-9 } == true)
        #expect(events[0].fraction == nil)
    }

    @Test(arguments: [1, 2, 7, 64, 333])
    func decodesTheSameStreamSplitIntoArbitraryChunks(chunkSize: Int) throws {
        var decoder = DockerPullProgressDecoder(image: "img")
        let bytes = Array(Self.capturedStream.utf8)
        var events: [PullEvent] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunkSize)
            events += try decoder.feed(bytes[start..<end])
            start = end
        }
        events += try decoder.finish()
        #expect(events == Self.expected)
    }

    @Test func lastLineWithoutNewlineIsDecodedAtFinish() throws {
        var decoder = DockerPullProgressDecoder(image: "img")
        #expect(try decoder.feed(Array(#"{"status":"Pull complete","id":"abc"}"#.utf8)).isEmpty)
        #expect(try decoder.finish() == [PullEvent(layer: "abc", status: "Pull complete")])
    }

    @Test func errorDetailInA200StreamThrowsNamingTheImage() throws {
        let stream = """
            {"status":"Pulling from fixtures/private","id":"1"}
            {"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}

            """
        var decoder = DockerPullProgressDecoder(image: "127.0.0.1:5917/fixtures/private:1")
        let error = #expect(throws: RuntimeError.self) { _ = try decoder.feed(Array(stream.utf8)) }
        #expect(error == .pullFailed(image: "127.0.0.1:5917/fixtures/private:1", message: "unauthorized: authentication required"))
        #expect(error?.description.contains("127.0.0.1:5917/fixtures/private:1") == true)
    }

    @Test func bareErrorFieldAlsoThrows() throws {
        var decoder = DockerPullProgressDecoder(image: "img:1")
        #expect(throws: RuntimeError.pullFailed(image: "img:1", message: "manifest unknown")) {
            _ = try decoder.feed(Array("{\"error\":\"manifest unknown\"}\n".utf8))
        }
    }

    @Test func nonJSONLineIsAnInvalidResponse() throws {
        var decoder = DockerPullProgressDecoder(image: "img:1")
        let error = #expect(throws: RuntimeError.self) { _ = try decoder.feed(Array("<html>oops</html>\n".utf8)) }
        guard case .invalidResponse = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func blankLinesAreSkipped() throws {
        var decoder = DockerPullProgressDecoder(image: "img")
        #expect(try decoder.feed(Array("\n\r\n  \n".utf8)).isEmpty)
        #expect(try decoder.finish().isEmpty)
    }
}

@Suite("Docker API version negotiation")
struct DockerAPIVersionTests {
    @Test func parsesAndOrdersNumerically() throws {
        let v141 = try #require(DockerAPIVersion("1.41"))
        let v19 = try #require(DockerAPIVersion("1.9"))
        #expect(v19 < v141)
        #expect(v141.description == "1.41")
        #expect(DockerAPIVersion("1") == nil)
        #expect(DockerAPIVersion("1.x") == nil)
        #expect(DockerAPIVersion("1.41.2") == nil)
    }

    @Test func usesTheLowerOfClientAndServer() throws {
        let dockerd2010 = try #require(DockerAPIVersion("1.41"))
        #expect(DockerAPIVersion.negotiate(server: dockerd2010) == dockerd2010)
        let newer = try #require(DockerAPIVersion("1.47"))
        #expect(DockerAPIVersion.negotiate(server: newer) == .clientMaximum)
        #expect(DockerAPIVersion.negotiate(client: DockerAPIVersion(major: 1, minor: 42), server: newer) == DockerAPIVersion(major: 1, minor: 42))
    }

    @Test func refusesServersOlderThanTheMinimum() throws {
        #expect(DockerAPIVersion.negotiate(server: DockerAPIVersion(major: 1, minor: 39)) == nil)
        #expect(DockerAPIVersion.negotiate(server: .clientMinimum) == .clientMinimum)
    }
}

@Suite("X-Registry-Auth encoding")
struct RegistryAuthTests {
    private func decodeHeader(_ value: String) throws -> [String: String] {
        #expect(!value.contains("+") && !value.contains("/"), "must be base64url")
        let standard = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let data = try #require(Data(base64Encoded: standard))
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    @Test func basicCredentialsCarryUserPasswordAndServer() throws {
        // "???" and ">>>" encode to base64 characters '/' and '+', which base64url replaces.
        let auth = RegistryAuth(.basic(username: "ci???", password: "p>>>w/rd"), registry: "127.0.0.1:5001")
        let header = auth.dockerHeaderValue
        #expect(try decodeHeader(header) == ["username": "ci???", "password": "p>>>w/rd", "serveraddress": "127.0.0.1:5001"])
        #expect(header.contains("_") || header.contains("-"))
        #expect(!auth.description.contains("p>>>w/rd"))
    }

    @Test func identityTokenReplacesUserAndPassword() throws {
        let auth = RegistryAuth(.identityToken("refresh-token"), registry: "ghcr.io")
        #expect(try decodeHeader(auth.dockerHeaderValue) == ["identitytoken": "refresh-token", "serveraddress": "ghcr.io"])
    }

    @Test func dockerHubUsesTheLegacyServerAddress() throws {
        let auth = RegistryAuth(.basic(username: "u", password: "p"), registry: "docker.io")
        #expect(try decodeHeader(auth.dockerHeaderValue)["serveraddress"] == "https://index.docker.io/v1/")
    }

    @Test func encodingIsDeterministic() {
        let auth = RegistryAuth.basic(username: "u", password: "p", serverAddress: "r")
        // {"password":"p","serveraddress":"r","username":"u"}
        #expect(auth.dockerHeaderValue == "eyJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiciIsInVzZXJuYW1lIjoidSJ9")
    }
}

@Suite("DOCKER_HOST parsing")
struct DockerEndpointTests {
    @Test func parsesUnixTcpAndDefault() throws {
        #expect(try DockerEndpoint(parsing: "unix:///tmp/x/docker.sock") == .unix(path: "/tmp/x/docker.sock"))
        #expect(try DockerEndpoint(parsing: "tcp://127.0.0.1:2375") == .tcp(host: "127.0.0.1", port: 2375))
        #expect(try DockerEndpoint.fromEnvironment([:]) == .unix(path: "/var/run/docker.sock"))
        #expect(try DockerEndpoint.fromEnvironment(["DOCKER_HOST": "unix:///run/user/1000/docker.sock"]).description == "unix:///run/user/1000/docker.sock")
    }

    @Test(arguments: ["ssh://me@host", "unix://relative.sock", "tcp://host", "tcp://:2375", "tcp://host:99999"])
    func rejectsUnusableValues(value: String) {
        let error = #expect(throws: RuntimeError.self) { try DockerEndpoint(parsing: value) }
        #expect(error?.description.contains(value) == true)
    }

    @Test func buildsUnixSocketURLs() throws {
        let url = try #require(DockerEndpoint.unix(path: "/tmp/d/docker.sock").url("/v1.41/version"))
        #expect(url.scheme == "http+unix")
        #expect(url.absoluteString.hasSuffix("/v1.41/version"))
    }
}

@Suite("Runtime selection")
struct RuntimeSelectionTests {
    @Test func parsesConfigValues() throws {
        #expect(try RuntimeSelection(parsing: "Docker") == .docker)
        #expect(try RuntimeSelection(parsing: "apple") == .apple)
        #expect(try RuntimeSelection(parsing: " auto ") == .auto)
        #expect(throws: RuntimeError.unknownRuntime("podman")) { try RuntimeSelection(parsing: "podman") }
    }

    @Test func autoPrefersAppleOnlyOnMacOSWithTheCLIOnPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cli = directory.appendingPathComponent("container").path
        #expect(FileManager.default.createFile(atPath: cli, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        let withCLI = ["PATH": "/nonexistent:\(directory.path)"]
        let withoutCLI = ["PATH": "/nonexistent"]

        #expect(RuntimeSelection.auto.resolve(isMacOS: true, environment: withCLI) == .apple)
        #expect(RuntimeSelection.auto.resolve(isMacOS: true, environment: withoutCLI) == .docker)
        #expect(RuntimeSelection.auto.resolve(isMacOS: false, environment: withCLI) == .docker)
        #expect(RuntimeSelection.apple.resolve(isMacOS: false, environment: withoutCLI) == .apple)
        #expect(RuntimeSelection.docker.resolve(isMacOS: true, environment: withCLI) == .docker)
    }

    @Test func makeRuntimeBuildsDockerFromDockerHostAndRefusesAppleOffMacOS() throws {
        let runtime = try RuntimeSelection.auto.makeRuntime(
            environment: ["DOCKER_HOST": "unix:///tmp/none.sock", "PATH": "/nonexistent"], isMacOS: false, credentials: ChainedCredentials([]),
            registries: RegistryClientFactory(credentials: ChainedCredentials([])))
        let docker = try #require(runtime as? DockerRuntime)
        #expect(docker.endpoint == .unix(path: "/tmp/none.sock"))
        #expect(throws: RuntimeError.self) {
            try RuntimeSelection.apple.makeRuntime(
                environment: [:], isMacOS: false, credentials: ChainedCredentials([]), registries: RegistryClientFactory(credentials: ChainedCredentials([])))
        }
        #expect(throws: RuntimeError.self) {
            try RuntimeSelection.docker.makeRuntime(
                environment: ["DOCKER_HOST": "ssh://x"], isMacOS: false, credentials: ChainedCredentials([]),
                registries: RegistryClientFactory(credentials: ChainedCredentials([])))
        }
    }
}

@Suite("RuntimeImage repo digests")
struct RuntimeImageTests {
    static let digest = "sha256:" + String(repeating: "0a", count: 32)

    @Test func findsTheDigestForTheReferencesRepository() throws {
        let image = RuntimeImage(
            id: "sha256:x", repoDigests: ["127.0.0.1:5000/other@sha256:" + String(repeating: "ff", count: 32), "127.0.0.1:5000/app@\(Self.digest)"])
        #expect(image.repoDigest(for: try ImageReference(parsing: "127.0.0.1:5000/app:2")) == (try Digest(Self.digest)))
        #expect(image.repoDigest(for: try ImageReference(parsing: "127.0.0.1:5000/missing:1")) == nil)
    }

    @Test func acceptsDockersShortSpellingForDockerHub() throws {
        let image = RuntimeImage(id: "sha256:x", repoDigests: ["busybox@\(Self.digest)"])
        #expect(image.repoDigest(for: try ImageReference(parsing: "docker.io/library/busybox:1.36")) == (try Digest(Self.digest)))
        let user = RuntimeImage(id: "sha256:x", repoDigests: ["someone/tool@\(Self.digest)"])
        #expect(user.repoDigest(for: try ImageReference(parsing: "someone/tool")) == (try Digest(Self.digest)))
    }
}
