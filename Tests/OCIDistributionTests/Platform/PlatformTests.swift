import Foundation
import Testing

@testable import OCIDistribution

@Suite("Platforms")
struct PlatformTests {
    @Test("os/arch[/variant] parses; malformed text is an error that shows the expected form")
    func parsing() throws {
        #expect(try Platform(parsing: "linux/arm64") == Platform(architecture: "arm64", os: "linux"))
        #expect(try Platform(parsing: "linux/arm/v7") == Platform(architecture: "arm", os: "linux", variant: "v7"))
        #expect(try Platform(parsing: "linux/arm64").description == "linux/arm64")
        for bad in ["linux", "linux/", "/amd64", "linux/amd64/v1/x", "linux/am d64", ""] {
            #expect(throws: PlatformError.invalid(bad), "\(bad)") { try Platform(parsing: bad) }
        }
        #expect(PlatformError.invalid("x").description.contains("OS/ARCH[/VARIANT]"))
    }

    @Test("an index entry serves a request on os, architecture and (when asked) variant; arm64 v8 is plain arm64")
    func matching() throws {
        let arm64 = try Platform(parsing: "linux/arm64")
        #expect(arm64.satisfies(try Platform(parsing: "linux/arm64")))
        #expect(arm64.satisfies(try Platform(parsing: "linux/arm64/v8")))
        #expect(try Platform(parsing: "linux/arm64/v8").satisfies(arm64))
        #expect(!arm64.satisfies(try Platform(parsing: "linux/amd64")))
        #expect(!arm64.satisfies(try Platform(parsing: "windows/arm64")))
        #expect(!(try Platform(parsing: "linux/arm/v6")).satisfies(try Platform(parsing: "linux/arm/v7")))
    }

    @Test("index selection skips attestation entries and nested indexes")
    func selection() throws {
        func digest(_ byte: String) -> Digest { Digest(trustedSHA256Hex: String(repeating: byte, count: 32)) }
        let index = ImageIndex(manifests: [
            Descriptor(mediaType: MediaType.ociIndex, digest: digest("01"), size: 1, platform: try Platform(parsing: "linux/arm64")),
            Descriptor(mediaType: MediaType.ociManifest, digest: digest("02"), size: 1, platform: try Platform(parsing: "linux/amd64")),
            Descriptor(mediaType: MediaType.ociManifest, digest: digest("03"), size: 1, platform: try Platform(parsing: "unknown/unknown")),
            Descriptor(mediaType: MediaType.ociManifest, digest: digest("04"), size: 1, platform: try Platform(parsing: "linux/arm64")),
        ])
        #expect(index.manifest(for: try Platform(parsing: "linux/arm64"))?.digest == digest("04"))
        #expect(index.manifest(for: try Platform(parsing: "linux/amd64"))?.digest == digest("02"))
        #expect(index.manifest(for: try Platform(parsing: "linux/s390x")) == nil)
        #expect(index.platforms.map(\.description) == ["linux/arm64", "linux/amd64", "linux/arm64"])
    }

    @Test("the host platform is linux with this CPU in OCI spelling")
    func host() {
        #expect(Platform.host.os == "linux")
        #if arch(x86_64)
            #expect(Platform.host.architecture == "amd64")
        #elseif arch(arm64)
            #expect(Platform.host.architecture == "arm64")
        #endif
    }

    @Test("a platform missing from an index is named with what the index has")
    func missingText() {
        let text = PlatformError.notInIndex(wanted: "linux/arm64", reference: "r/x:1", available: ["linux/amd64"]).description
        #expect(text.contains("r/x:1") && text.contains("linux/arm64") && text.contains("linux/amd64"))
    }
}
