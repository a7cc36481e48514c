import Foundation
import Testing

@testable import ImageBuilders
@testable import OCIDistribution

@Suite("Builders")
struct BuilderTests {
    static func request() throws -> BuildRequest {
        BuildRequest(
            type: "dev", dockerfile: URL(fileURLWithPath: "/src/dev/Dockerfile"), context: URL(fileURLWithPath: "/src/dev"),
            buildArguments: [("BASE_IMAGE", "r.example/base@sha256:\(String(repeating: "a", count: 64))")],
            labels: [("org.opencontainers.image.version", "1.2.3")], localName: "oubliette-dev:v1.2.3",
            outputDirectory: URL(fileURLWithPath: "/tmp/out"), layoutTag: "v1.2.3",
            destination: try ImageReference(parsing: "r.example/dev:v1.2.3"))
    }

    @Test("buildah: global storage options, chroot isolation, args, labels, tag, context")
    func buildah() throws {
        let builder = BuildahBuilder(options: .init(root: "/r", runRoot: "/rr", tlsVerify: false))
        let arguments = builder.buildArguments(try Self.request())
        #expect(
            arguments == [
                "--root", "/r", "--runroot", "/rr", "--storage-driver", "vfs", "build", "--isolation", "chroot", "--tls-verify=false",
                "-f", "/src/dev/Dockerfile", "--build-arg", "BASE_IMAGE=r.example/base@sha256:\(String(repeating: "a", count: 64))",
                "--label", "org.opencontainers.image.version=1.2.3", "-t", "oubliette-dev:v1.2.3", "/src/dev",
            ])
    }

    @Test("docker buildx exports an OCI archive; legacy docker does not ask for one")
    func docker() throws {
        let archive = URL(fileURLWithPath: "/tmp/out.tar")
        let buildx = DockerBuilder(mode: .buildx, network: "none").buildArguments(try Self.request(), archive: archive)
        #expect(Array(buildx.prefix(2)) == ["buildx", "build"])
        #expect(buildx.contains("--output") && buildx.contains("type=oci,dest=/tmp/out.tar"))
        #expect(buildx.contains("--network") && buildx.last == "/src/dev")
        let legacy = DockerBuilder(mode: .legacy).buildArguments(try Self.request(), archive: archive)
        #expect(legacy.first == "build" && !legacy.contains("--output"))
    }

    @Test("builder names parse, unknown ones list the choices")
    func kinds() throws {
        #expect(try BuilderKind(parsing: "docker-buildx") == .dockerBuildx)
        #expect(throws: BuilderError.unknownBuilder("kaniko", known: ["buildah", "podman", "docker-buildx", "docker"])) {
            try BuilderKind(parsing: "kaniko")
        }
    }

    @Test("a failing command names the image, the command and its output")
    func failure() async throws {
        let runner = BuildToolRunner()
        let ok = try await runner.run("sh", ["-c", "echo hello; echo oops >&2"])
        #expect(ok.status == 0 && ok.output.contains("hello") && ok.output.contains("oops"))
        do {
            _ = try await runner.check(image: "base", "sh", ["-c", "echo broken step >&2; exit 3"])
            Issue.record("expected a failure")
        } catch {
            guard case let .commandFailed(image, _, status, output) = error else { Issue.record("\(error)"); return }
            #expect(image == "base" && status == 3 && output.contains("broken step"))
            #expect(error.description.contains("building image 'base' failed"))
        }
        await #expect(throws: BuilderError.toolNotFound(tool: "no-such-tool-xyz")) {
            try await runner.run("no-such-tool-xyz", [])
        }
    }

    @Test("with a log, each line is handed on as the tool prints it, labelled with the build and platform")
    func streamsLines() async throws {
        final class Seen: @unchecked Sendable {
            // @unchecked: every access goes through `lock`.
            let lock = NSLock()
            var lines: [(line: BuildLogLine, at: ContinuousClock.Instant)] = []
        }
        let seen = Seen()
        let runner = BuildToolRunner(log: BuildLog { line in seen.lock.withLock { seen.lines.append((line, .now)) } })
        var request = try Self.request()
        request.platform = Platform(architecture: "arm64", os: "linux")
        let started = ContinuousClock.now
        _ = try await runner.check(request, "sh", ["-c", "echo one; sleep 1.5; echo two >&2"])
        let lines = seen.lock.withLock { seen.lines }
        #expect(
            lines.map(\.line) == [
                BuildLogLine(image: "dev linux/arm64", tool: "sh", text: "one"), BuildLogLine(image: "dev linux/arm64", tool: "sh", text: "two"),
            ])
        // The first line arrived while the tool was still sleeping.
        if let first = lines.first { #expect(first.at - started < .seconds(1), "\(first.at - started)") }
        // Without a log nothing is handed on, and a failure still quotes the output.
        do {
            _ = try await BuildToolRunner().check(request, "sh", ["-c", "echo last words >&2; exit 1"])
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains("last words"))
        }
    }
}
