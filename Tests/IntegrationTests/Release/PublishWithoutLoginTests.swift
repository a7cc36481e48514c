import Foundation
import Testing

/// `publish` to the bed's htpasswd registry without any credentials: the registry answers
/// every request 401 (the blob HEAD included, which once killed the process with SIGILL).
@Suite("release-tool publish without a login")
struct PublishWithoutLoginTests {
    @Test(
        "publish to a registry that needs a login, with none: exit 1 and the docker login advice",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(5)))
    func publishWithoutCredentialsFailsClearly() async throws {
        let bed = TestBed.required
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        let repository = try bed.makeTemporaryDirectory("nologin-repo")
        try await ReleasePublishTests.makeRepository(in: repository)
        try await ReleasePublishTests.checkout("v1.1.0", in: repository)
        let work = try bed.makeTemporaryDirectory("nologin-work")
        let store = try bed.makeTemporaryDirectory("nologin-buildah")
        let emptyDockerConfig = try bed.makeTemporaryDirectory("nologin-docker-config")
        let result = try await ToolRunner.run(
            binary.path,
            [
                "publish", "--repo", repository.path, "--catalogue", repository.appendingPathComponent("images/catalogue.jsonc").path,
                "--registry", "\(bed.authRegistry)/nologin", "--build-arg", "BUSYBOX_IMAGE=\(bed.busyboxImage)",
                "--builder", "buildah", "--buildah-root", "\(store.path)/root", "--buildah-runroot", "\(store.path)/runroot",
                "--work-dir", work.path,
            ],
            environment: [
                "DOCKER_CONFIG": emptyDockerConfig.path, "OUBLIETTE_REGISTRY_HOST": "", "OUBLIETTE_REGISTRY_USER": "",
                "OUBLIETTE_REGISTRY_PASSWORD": "", "OUBLIETTE_REGISTRY_TOKEN": "",
            ],
            check: false)
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("unauthorized (401)"), "\(result.stderr)")
        #expect(result.stderr.contains("docker login \(bed.authRegistry)"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
    }

    @Test(
        "registry copy to a registry that needs a login, with none: the blob HEAD answered 401 is an error, not a crash",
        .enabled(if: TestBed.isAvailable, TestBed.skipReason), .timeLimit(.minutes(2)))
    func copyWithoutCredentialsFailsClearly() async throws {
        let bed = TestBed.required
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        let work = try bed.makeTemporaryDirectory("nologin-copy")
        let image = try LayoutFixture.make(in: work, layerSizes: [10_000])
        let emptyDockerConfig = try bed.makeTemporaryDirectory("nologin-docker-config")
        // A local layout as source: the first request to the registry is a blob HEAD.
        let result = try await ToolRunner.run(
            binary.path,
            ["registry", "copy", "oci:\(image.layout.directory.path):1", "docker://\(bed.authRegistry)/nologin/copy:1"],
            environment: ["DOCKER_CONFIG": emptyDockerConfig.path, "OUBLIETTE_REGISTRY_HOST": ""], check: false)
        #expect(result.status == 1, "exit \(result.status): \(result.stderr.prefix(400))")
        #expect(result.stderr.contains("HEAD blob"), "\(result.stderr.prefix(400))")
        #expect(result.stderr.contains("docker login \(bed.authRegistry)"), "\(result.stderr.prefix(400))")
    }
}
