import Foundation
import OCIDistribution
import OublietteCore
import TestSupport
import Testing

/// Proves the servers started by scripts/testbed are real and wired together: skopeo pushes
/// to the registry and dockerd pulls the very same bytes back, the auth registry enforces
/// Basic auth, dockerd runs containers, and buildah builds on top of the bed's base image.
@Suite("Test bed")
struct TestBedTests {
    // MARK: registry + skopeo + dockerd

    @Test(
        "an image pushed with skopeo is pulled by dockerd with the same manifest and config digests",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func skopeoPushDockerdPull() async throws {
        let bed = TestBed.required
        let work = try bed.makeTemporaryDirectory("skopeo-push")
        let token = UUID().uuidString

        // A unique one-file image, so dockerd cannot already hold it from another test.
        let layout = work.appendingPathComponent("layout").path
        let marker = work.appendingPathComponent("marker")
        try Data(token.utf8).write(to: marker)
        try await ToolRunner.run("umoci", ["init", "--layout", layout])
        try await ToolRunner.run("umoci", ["new", "--image", "\(layout):fixture"])
        try await ToolRunner.run("umoci", ["insert", "--image", "\(layout):fixture", marker.path, "/marker"])

        let repository = "\(bed.registry)/testbed/skopeo-\(token.prefix(8).lowercased())"
        let reference = "\(repository):1"
        try await ToolRunner.run("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout):fixture", "docker://\(reference)"])

        // What the registry holds, checked against the bytes themselves.
        let rawManifest = try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(reference)"]).stdoutData
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: rawManifest)
        let rawConfig = try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--config", "--raw", "docker://\(reference)"]).stdoutData
        let inspected = try JSONDecoder().decode(
            SkopeoInspect.self,
            from: await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "docker://\(reference)"]).stdoutData)
        let manifestDigest = Digest.sha256(of: rawManifest).description
        #expect(inspected.digest == manifestDigest)
        #expect(manifest.config.digest == Digest.sha256(of: rawConfig).description)
        #expect(manifest.layers.count == 1)

        // dockerd pulls it through the Engine API.
        let engine = try DockerEngine(bed: bed)
        let pullLines = try await engine.request("POST", "/images/create?fromImage=\(repository)&tag=1").stdout
        let pullErrors = pullLines.split(whereSeparator: \.isNewline).filter { $0.contains("\"error\"") }
        #expect(pullErrors.isEmpty, "dockerd reported pull errors: \(pullErrors)")

        let image = try JSONDecoder().decode(
            EngineImage.self,
            from: await engine.request("GET", "/images/\(reference)/json").stdoutData)
        #expect(image.id == manifest.config.digest, "dockerd's image ID is its config digest")
        #expect(
            image.repoDigests.contains("\(repository)@\(manifestDigest)"),
            "dockerd saw manifest \(image.repoDigests), skopeo \(manifestDigest)")
        _ = try? await engine.request("DELETE", "/images/\(reference)?force=1")
    }

    @Test(
        "dockerd runs a container from the bed's busybox image",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func dockerdRunsBusybox() async throws {
        let bed = TestBed.required
        let token = UUID().uuidString.prefix(8)
        let result = try await ToolRunner.run(
            "docker",
            ["run", "--rm", bed.busyboxImage, "sh", "-c", "echo $((6 * 7))-\(token); test -x /bin/sh"],
            environment: ["DOCKER_HOST": bed.dockerHost, "DOCKER_API_VERSION": "1.41"],
            timeout: 120
        )
        #expect(result.trimmedStdout.hasSuffix("42-\(token)"), "container printed: \(result.stdout)")
    }

    // MARK: auth registry

    @Test(
        "the auth registry refuses anonymous and wrong-password requests and accepts the bed's credentials",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func authRegistryEnforcesBasicAuth() async throws {
        let bed = TestBed.required
        let url = "http://\(bed.authRegistry)/v2/"

        let anonymous = try await HTTPProbe.get(url)
        #expect(anonymous.status == 401)
        #expect(
            anonymous.header("WWW-Authenticate")?.lowercased().hasPrefix("basic ") == true,
            "challenge was \(anonymous.headers)")

        let wrong = try await HTTPProbe.get(url, user: bed.authUser, password: bed.authPassword + "-wrong")
        #expect(wrong.status == 401)

        let authorised = try await HTTPProbe.get(url, user: bed.authUser, password: bed.authPassword)
        #expect(authorised.status == 200)

        // End to end: a push with credentials lands, an anonymous read is refused.
        let reference = "\(bed.authRegistry)/testbed/auth-\(UUID().uuidString.prefix(8).lowercased()):1"
        let credentials = "\(bed.authUser):\(bed.authPassword)"
        try await ToolRunner.run(
            "skopeo",
            [
                "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                "--dest-creds", credentials,
                "docker://\(bed.busyboxImage)", "docker://\(reference)",
            ])
        let refused = try await ToolRunner.run(
            "skopeo", ["inspect", "--tls-verify=false", "--no-creds", "docker://\(reference)"],
            check: false)
        #expect(!refused.succeeded)
        #expect(
            refused.stderr.lowercased().contains("unauthorized") || refused.stderr.contains("401"),
            "anonymous inspect failed for another reason: \(refused.stderr)")
        let allowed = try await ToolRunner.run(
            "skopeo",
            [
                "inspect", "--tls-verify=false", "--creds", credentials,
                "docker://\(reference)",
            ])
        let source = try await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "docker://\(bed.busyboxImage)"])
        let copied = try JSONDecoder().decode(SkopeoInspect.self, from: allowed.stdoutData)
        let original = try JSONDecoder().decode(SkopeoInspect.self, from: source.stdoutData)
        #expect(copied.digest == original.digest)
    }

    // MARK: buildah

    @Test(
        "buildah builds a Dockerfile with a RUN step FROM the busybox image",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason))
    func buildahBuildsFromBusybox() async throws {
        let bed = TestBed.required
        let context = try bed.makeTemporaryDirectory("buildah-context")
        let token = UUID().uuidString.lowercased()
        let dockerfile = """
            FROM \(bed.busyboxImage)
            RUN echo \(token) > /testbed-marker
            """
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))

        let tag = "localhost/testbed/built-\(token.prefix(8)):1"
        let buildah = Buildah(bed: bed)
        try await buildah.run(
            [
                "build", "--isolation", "chroot", "--tls-verify=false", "--pull-always",
                "-t", tag, "-f", context.appendingPathComponent("Dockerfile").path, context.path,
            ],
            timeout: 180)

        // The RUN step really ran: its output file is in the image's filesystem.
        let container = try await buildah.run(["from", "--pull=false", tag]).trimmedStdout
        try await withFixture(container, tearDown: { _ = try? await buildah.run(["rm", $0]) }) { container in
            let mountPoint = try await buildah.run(["mount", container]).trimmedStdout
            let written = try String(contentsOfFile: mountPoint + "/testbed-marker", encoding: .utf8)
            #expect(written.trimmingCharacters(in: .whitespacesAndNewlines) == token)
            _ = try? await buildah.run(["umount", container])
        }

        // And it was built on top of the base: base layer first, then one layer for RUN.
        let pushed = "\(bed.registry)/testbed/built-\(token.prefix(8)):1"
        try await buildah.run(["push", "--tls-verify=false", tag, "docker://\(pushed)"])
        let built = try JSONDecoder().decode(
            ImageManifest.self,
            from: await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(pushed)"]).stdoutData)
        let base = try JSONDecoder().decode(
            ImageManifest.self,
            from: await ToolRunner.run("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(bed.busyboxImage)"]).stdoutData)
        #expect(built.layers.count == base.layers.count + 1)
        #expect(built.layers.first?.digest == base.layers.first?.digest)
        _ = try? await buildah.run(["rmi", "--force", tag])
    }
}

// MARK: - Helpers local to these tests

private enum TestBedCheckError: Error, LocalizedError, CustomStringConvertible {
    case notUnixSocket(dockerHost: String)
    case noStatusLine(url: String, output: String)

    var description: String {
        switch self {
        case let .notUnixSocket(dockerHost):
            return "DOCKER_HOST is \(dockerHost), not unix://…; start the bed with scripts/testbed"
        case let .noStatusLine(url, output):
            return "curl \(url) printed no HTTP status line; got: \(output.prefix(500))"
        }
    }

    var errorDescription: String? { description }
}

/// The parts of an OCI / Docker v2 image manifest these tests read.
private struct ImageManifest: Decodable {
    struct Descriptor: Decodable {
        let digest: String
    }
    let config: Descriptor
    let layers: [Descriptor]
}

/// The parts of `skopeo inspect` output these tests read.
private struct SkopeoInspect: Decodable {
    let digest: String
    enum CodingKeys: String, CodingKey { case digest = "Digest" }
}

/// The parts of the Engine API's image inspect answer these tests read.
private struct EngineImage: Decodable {
    let id: String
    let repoDigests: [String]
    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case repoDigests = "RepoDigests"
    }
}

/// The bed's dockerd, reached with curl over its unix socket (API 1.41: dockerd 20.10's maximum).
private struct DockerEngine {
    let socketPath: String

    init(bed: TestBed) throws {
        let prefix = "unix://"
        guard bed.dockerHost.hasPrefix(prefix) else {
            throw TestBedCheckError.notUnixSocket(dockerHost: bed.dockerHost)
        }
        socketPath = String(bed.dockerHost.dropFirst(prefix.count))
    }

    func request(_ method: String, _ path: String) async throws -> ToolResult {
        try await ToolRunner.run(
            "curl",
            [
                "-sS", "--fail-with-body", "--unix-socket", socketPath, "-X", method,
                "http://localhost/v1.41\(path)",
            ], timeout: 120)
    }
}

/// buildah with the bed's storage (vfs, root and runroot under the bed).
private struct Buildah {
    let bed: TestBed

    @discardableResult
    func run(_ arguments: [String], timeout: Int = 120) async throws -> ToolResult {
        let root = URL(fileURLWithPath: bed.buildahRoot)
        return try await ToolRunner.run(
            "buildah",
            [
                "--root", root.appendingPathComponent("root").path,
                "--runroot", root.appendingPathComponent("runroot").path,
                "--storage-driver", "vfs",
            ] + arguments, timeout: timeout)
    }
}

/// A plain-HTTP GET through curl, returning the status and headers.
private struct HTTPProbe {
    let status: Int
    let headers: [(name: String, value: String)]

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    static func get(_ url: String, user: String? = nil, password: String? = nil) async throws -> HTTPProbe {
        var arguments = ["-sS", "-o", "/dev/null", "-D", "-", "--max-time", "30"]
        if let user, let password { arguments += ["-u", "\(user):\(password)"] }
        let output = try await ToolRunner.run("curl", arguments + [url]).stdout
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let statusLine = lines.first, let code = statusLine.split(separator: " ").dropFirst().first,
            let status = Int(code)
        else {
            throw TestBedCheckError.noStatusLine(url: url, output: output)
        }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPProbe(status: status, headers: headers)
    }
}
