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
        // Without a platform nothing is added: local builds keep the builder's default.
        let plain = BuildahBuilder().buildArguments(try BuilderTests.request())
        #expect(!plain.contains("--platform") && !plain.contains("--timestamp"))
    }
}
