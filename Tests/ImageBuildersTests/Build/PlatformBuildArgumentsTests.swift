import Foundation
import Testing

@testable import ImageBuilders
@testable import OCIDistribution

@Suite("Builders: one platform per build")
struct PlatformBuildArgumentsTests {
    static func request() throws -> BuildRequest {
        var request = try BuilderTests.request()
        request.platform = try Platform(parsing: "linux/arm64")
        request.timestamp = Date(timeIntervalSince1970: 1_700_000_000)
        return request
    }

    @Test("buildah, podman and docker buildx pass --platform; buildah and podman pin --timestamp, buildx SOURCE_DATE_EPOCH")
    func platformFlags() throws {
        let request = try Self.request()
        func after(_ flag: String, in arguments: [String]) -> String? {
            arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        let buildah = BuildahBuilder().buildArguments(request)
        #expect(after("--platform", in: buildah) == "linux/arm64")
        #expect(after("--timestamp", in: buildah) == "1700000000")
        let podman = PodmanBuilder().buildArguments(request)
        #expect(after("--platform", in: podman) == "linux/arm64")
        #expect(after("--timestamp", in: podman) == "1700000000")
        let buildx = DockerBuilder(mode: .buildx).buildArguments(request, archive: URL(fileURLWithPath: "/tmp/a.tar"))
        #expect(after("--platform", in: buildx) == "linux/arm64")
        #expect(buildx.contains("SOURCE_DATE_EPOCH=1700000000"))
        #expect(after("--output", in: buildx) == "type=oci,dest=/tmp/a.tar")
        // With an explicit store, each platform builds in its own one beside it.
        let stored = BuildahBuilder(options: .init(root: "/r", runRoot: "/rr")).buildArguments(request)
        #expect(Array(stored.prefix(4)) == ["--root", "/r-linux-arm64", "--runroot", "/rr-linux-arm64"])
        #expect(BuildahBuilder(options: .init(root: "/r")).buildsPlatformsIndependently)
        #expect(!BuildahBuilder().buildsPlatformsIndependently)
        #expect(!DockerBuilder(mode: .buildx).buildsPlatformsIndependently)
        // Without a platform nothing is added: local builds keep the builder's default.
        let plain = BuildahBuilder().buildArguments(try BuilderTests.request())
        #expect(!plain.contains("--platform") && !plain.contains("--timestamp"))
    }

    @Test("buildah and podman are told the pinned base for the manifest's base annotations; without one nothing is added")
    func pinnedBaseAnnotations() throws {
        var request = try Self.request()
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        request.pinnedBase = try ImageReference(parsing: "127.0.0.1:5000/ns/oubliette-base@\(digest)")
        let expected = [
            "--annotation", "org.opencontainers.image.base.name=127.0.0.1:5000/ns/oubliette-base@\(digest)",
            "--annotation", "org.opencontainers.image.base.digest=\(digest)",
        ]
        for arguments in [BuildahBuilder().buildArguments(request), PodmanBuilder().buildArguments(request)] {
            let start = try #require(arguments.firstIndex(of: "--annotation"))
            #expect(Array(arguments[start..<start + 4]) == expected)
            #expect(arguments.last == request.context.path, "the context stays last")
        }
        // A base named only by tag has no digest to pin: buildah's own annotation stands.
        request.pinnedBase = try ImageReference(parsing: "127.0.0.1:5000/ns/oubliette-base:v1")
        #expect(!BuildahBuilder().buildArguments(request).contains("--annotation"))
        request.pinnedBase = nil
        #expect(!PodmanBuilder().buildArguments(request).contains("--annotation"))
    }
}
