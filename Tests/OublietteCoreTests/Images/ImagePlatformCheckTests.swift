import Foundation
import TestSupport
import Testing

@testable import ContainerRuntimes
@testable import OCIDistribution
@testable import OublietteCore

@Suite("Platform check before a pull")
struct ImagePlatformCheckTests {
    let reference = try! ImageReference(parsing: "ghcr.io/acme/oubliette-dev:v1.1.0")

    @Test("Apple container needs linux/arm64; an amd64-only image is refused naming its platforms and image_source: build")
    func appleNeedsARM64() async throws {
        let standIn = try ContainerStandIn(set: nil)
        defer { standIn.remove() }
        let both = ImagePlatformCheck(lister: FixedPlatformLister(platforms: ["linux/amd64", "linux/arm64"]))
        let outcome = try await both.verify(reference, runtime: standIn.runtime)
        #expect(outcome == .init(platform: "linux/arm64", published: ["linux/amd64", "linux/arm64"]))

        let amd64Only = ImagePlatformCheck(lister: FixedPlatformLister(platforms: ["linux/amd64"]))
        let error = await #expect(throws: RuntimeError.self) { try await amd64Only.verify(reference, runtime: standIn.runtime) }
        let text = error?.description ?? ""
        #expect(text.contains(reference.description) && text.contains("has no linux/arm64 variant"), "\(text)")
        #expect(text.contains("it has linux/amd64") && text.contains(#""image_source": "build""#), "\(text)")

        // With Rosetta allowed the amd64 image is what runs.
        let rosetta = try await amd64Only.verify(reference, runtime: standIn.runtime(allowsAMD64: true))
        #expect(rosetta?.platform == "linux/amd64")
        #expect(try standIn.calls().isEmpty, "the check asks the registry, never the container CLI")
    }

    @Test("Docker runs its engine's OS/arch; an unreachable registry or an unknown engine leaves it to the pull")
    func dockerAndUnknowns() async throws {
        let runtime = ReportingRuntime.make(os: "linux", architecture: "arm64")
        let check = ImagePlatformCheck(lister: FixedPlatformLister(platforms: ["linux/amd64", "linux/arm64/v8", "unknown/unknown"]))
        #expect(try await check.verify(reference, runtime: runtime)?.platform == "linux/arm64")
        let s390x = ReportingRuntime.make(os: "linux", architecture: "s390x")
        await #expect(throws: RuntimeError.self) { try await check.verify(reference, runtime: s390x) }

        let offline = ImagePlatformCheck(lister: FixedPlatformLister(platforms: nil))
        #expect(try await offline.verify(reference, runtime: runtime) == .init(platform: "linux/arm64", published: nil))
        let silent = ReportingRuntime.make(os: nil, architecture: nil)
        #expect(try await check.verify(reference, runtime: silent) == nil)
    }

    @Test("ImageManager checks before pulling: a missing platform fails the pull without calling the engine, and the platform is recorded")
    func managerUsesTheCheck() async throws {
        let config = try OublietteConfig(
            parsing: #"{ "containers": { "probe": "ghcr.io/acme/probe:1" } }"#, file: "test.jsonc", catalogue: .shipped, devMode: false)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("platform-check-\(UUID().uuidString)")
        let runtime = ReportingRuntime.make(os: "linux", architecture: "amd64")
        let refused = ImageManager(
            config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data),
            platformCheck: ImagePlatformCheck(lister: FixedPlatformLister(platforms: ["linux/s390x"])))
        let error = await #expect(throws: RuntimeError.self, "refused before pulling") { try await refused.ensureImage(type: "probe") }
        #expect(error?.description.contains("has no linux/amd64 variant") == true)
        // With the platform published the pull goes ahead (and here fails in the engine).
        let allowed = ImageManager(
            config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data),
            platformCheck: ImagePlatformCheck(lister: FixedPlatformLister(platforms: ["linux/amd64"])))
        let pullError = await #expect(throws: ImageManagerError.self) { try await allowed.ensureImage(type: "probe") }
        #expect(pullError?.description.contains(ReportingRuntime.pullMarker) == true)
    }
}

/// The least runtime that reports an OS/architecture from `version()`; pulls always fail
/// with `pullMarker`, so a test can tell "pulled" from "refused before pulling".
enum ReportingRuntime {
    static let pullMarker = "ReportingRuntime was asked to pull"

    static func make(os: String?, architecture: String?) -> ScriptedRuntime {
        ScriptedRuntime(os: os, architecture: architecture, pullError: .pullFailed(image: "the pulled image", message: pullMarker))
    }
}
