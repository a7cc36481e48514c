import Foundation
import Testing

/// The real servers started by `scripts/testbed` (docker-registry, dockerd, buildah),
/// described by environment variables. Integration tests are enabled only when the bed
/// is present; `.ci/run` always starts it, so in CI they always run.
struct TestBed: Sendable {
    /// `127.0.0.1:PORT` of a plain-HTTP registry without auth, deletes enabled.
    let registry: String
    /// `127.0.0.1:PORT` of a registry requiring Basic auth (htpasswd).
    let authRegistry: String
    let authUser: String
    let authPassword: String
    /// `unix:///…/docker.sock` of a dockerd that trusts both registries as insecure.
    let dockerHost: String
    /// Directory holding buildah's `root` and `runroot` for this bed.
    let buildahRoot: String
    /// A tiny busybox image already pushed to `registry`, e.g. `127.0.0.1:PORT/fixtures/busybox:1`.
    let busyboxImage: String
    /// A scratch directory tests may write into (removed with the bed).
    let scratch: String
    /// An OCI index in `registry` with real linux/amd64 and linux/arm64 busybox images
    /// (`…/fixtures/busybox-multi:1`); nil when install-deps has not cached the arm64 binary.
    var busyboxMultiImage: String? { ProcessInfo.processInfo.environment["OUBLIETTE_TEST_BUSYBOX_MULTI_IMAGE"] }

    static let current: TestBed? = {
        let env = ProcessInfo.processInfo.environment
        guard let registry = env["OUBLIETTE_TEST_REGISTRY"],
            let authRegistry = env["OUBLIETTE_TEST_AUTH_REGISTRY"],
            let authUser = env["OUBLIETTE_TEST_AUTH_USER"],
            let authPassword = env["OUBLIETTE_TEST_AUTH_PASSWORD"],
            let dockerHost = env["DOCKER_HOST"],
            let buildahRoot = env["OUBLIETTE_TEST_BUILDAH_ROOT"],
            let busyboxImage = env["OUBLIETTE_TEST_BUSYBOX_IMAGE"],
            let scratch = env["OUBLIETTE_TEST_SCRATCH"]
        else { return nil }
        return TestBed(
            registry: registry, authRegistry: authRegistry, authUser: authUser,
            authPassword: authPassword, dockerHost: dockerHost, buildahRoot: buildahRoot,
            busyboxImage: busyboxImage, scratch: scratch)
    }()

    static let isAvailable = current != nil
    /// The bed with its two-platform busybox index (scripts/install-deps caches the arm64 binary).
    static let hasMultiPlatformFixture = current?.busyboxMultiImage != nil
    static let multiPlatformSkipReason: Comment =
        "test bed without the two-platform busybox index: run scripts/install-deps (caches Debian's busybox-static:arm64), then scripts/testbed run -- …"
    static let skipReason: Comment = "test bed not running: OUBLIETTE_TEST_REGISTRY etc. are unset (run under scripts/testbed run -- …)"

    /// The bed, for use inside tests enabled with `.enabled(if: TestBed.isAvailable, TestBed.skipReason)`.
    static var required: TestBed {
        guard let current else { fatalError(String(describing: skipReason)) }
        return current
    }

    /// A fresh directory under the bed's scratch space.
    func makeTemporaryDirectory(_ label: String) throws -> URL {
        let url = URL(fileURLWithPath: scratch).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
