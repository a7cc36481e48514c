import Foundation
import Testing

/// `release-tool sbom` on real images: the debootstrap Debian image on the bed's registry,
/// the bed's busybox image (no package database), and an apk-database image whose layers
/// GNU tar, gzip and zstd made. Documents are checked with the outside validators.
@Suite("sbom on real images", .serialized, .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct SBOMIntegrationTests {
    @Test(
        "Debian bookworm from the registry: valid SPDX and CycloneDX, package set equals dpkg-query's",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func debianImage() async throws {
        let bed = TestBed.required
        let venv = try #require(InventoryTestSupport.venv)
        let rootfs = try await InventoryTestSupport.debianRootfs()
        let reference = try await InventoryTestSupport.debianImage(bed)
        let digest = try await TestImages.digest(of: reference)
        let work = try bed.makeTemporaryDirectory("sbom-debian")
        let expected = try await InventoryTestSupport.dpkgQuery(rootfs)
        #expect(expected.count > 50, "a minbase rootfs has ~90 packages")

        let spdxFile = work.appendingPathComponent("debian.spdx.json")
        let spdx = try await InventoryTestSupport.releaseTool(["sbom", reference, "--insecure-registry", bed.registry, "--output", spdxFile.path])
        #expect(spdx.succeeded, "\(spdx.stderr)")
        let validation = try await InventoryTestSupport.validateSPDX(spdxFile, venv: venv)
        #expect(validation.succeeded && !validation.stderr.contains("invalid"), "pyspdxtools: \(validation.stdout)\(validation.stderr)")
        let document = try InventoryTestSupport.json(try String(contentsOf: spdxFile, encoding: .utf8))
        let packages = try #require(document["packages"] as? [[String: Any]])
        let image = try #require(packages.first { $0["SPDXID"] as? String == "SPDXRef-Image" })
        #expect(image["versionInfo"] as? String == digest, "the described root is the image, by its manifest digest")
        let listed = packages.compactMap { package -> String? in
            guard let id = package["SPDXID"] as? String, id.hasPrefix("SPDXRef-Package-deb-"),
                let purl = (package["externalRefs"] as? [[String: String]])?.first?["referenceLocator"],
                let arch = purl.split(separator: "arch=").last?.split(separator: "&").first
            else { return nil }
            return "\(package["name"] as? String ?? "") \(package["versionInfo"] as? String ?? "") \(arch)"
        }.sorted()
        #expect(listed == expected)
        let licensed = packages.filter { ($0["licenseDeclared"] as? String).map { $0 != "NOASSERTION" } ?? false }
        #expect(licensed.count > 20, "DEP-5 copyright files give most Debian packages a license")
        let purls = packages.compactMap { ($0["externalRefs"] as? [[String: String]])?.first?["referenceLocator"] }
        #expect(purls.contains { $0.hasPrefix("pkg:deb/debian/libc6@2.36-") && $0.contains("distro=debian-12") && $0.contains("upstream=glibc") })

        let cdxFile = work.appendingPathComponent("debian.cdx.json")
        let cdx = try await InventoryTestSupport.releaseTool([
            "sbom", reference, "--insecure-registry", bed.registry, "--format", "cyclonedx-json", "--output", cdxFile.path,
        ])
        #expect(cdx.succeeded, "\(cdx.stderr)")
        let cdxValidation = try await InventoryTestSupport.validateCycloneDX(cdxFile, venv: venv)
        #expect(cdxValidation.succeeded, "cyclonedx: \(cdxValidation.stdout)\(cdxValidation.stderr)")
        let bom = try InventoryTestSupport.json(try String(contentsOf: cdxFile, encoding: .utf8))
        let components = try #require(bom["components"] as? [[String: Any]])
        #expect(components.filter { $0["type"] as? String == "library" }.count == expected.count)
    }

    @Test(
        "the busybox image has no package database: an SBOM with the note, exit 0",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func busybox() async throws {
        let bed = TestBed.required
        let venv = try #require(InventoryTestSupport.venv)
        let file = try bed.makeTemporaryDirectory("sbom-busybox").appendingPathComponent("busybox.spdx.json")
        let result = try await InventoryTestSupport.releaseTool(["sbom", bed.busyboxImage, "--insecure-registry", bed.registry, "--output", file.path])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(result.stderr.contains("no package database found"))
        #expect(try await InventoryTestSupport.validateSPDX(file, venv: venv).succeeded)
        let document = try InventoryTestSupport.json(try String(contentsOf: file, encoding: .utf8))
        #expect((document["comment"] as? String)?.contains("no package database found") == true)
        #expect((document["packages"] as? [Any])?.count == 1, "only the image itself")
    }

    @Test(
        "an apk database in layers made by GNU tar + gzip and zstd, with a whiteout",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func apkImage() async throws {
        let bed = TestBed.required
        let venv = try #require(InventoryTestSupport.venv)
        let work = try bed.makeTemporaryDirectory("sbom-apk")
        let lower = work.appendingPathComponent("lower")
        let upper = work.appendingPathComponent("upper")
        for directory in ["lib/apk/db", "etc", "var/lib/dpkg"] {
            try FileManager.default.createDirectory(at: lower.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(at: upper.appendingPathComponent("var/lib/dpkg"), withIntermediateDirectories: true)
        let apk = InventoryTestSupport.fixtures.appendingPathComponent("apk")
        try FileManager.default.copyItem(at: apk.appendingPathComponent("installed"), to: lower.appendingPathComponent("lib/apk/db/installed"))
        try FileManager.default.copyItem(at: apk.appendingPathComponent("os-release"), to: lower.appendingPathComponent("etc/os-release"))
        // A stale dpkg database the upper layer deletes: it must not show up.
        try Data("Package: ghost\nStatus: install ok installed\nVersion: 1\n".utf8).write(to: lower.appendingPathComponent("var/lib/dpkg/status"))
        try Data().write(to: upper.appendingPathComponent("var/lib/dpkg/.wh.status"))
        try await ToolRunner.run("tar", ["-C", lower.path, "-czf", work.appendingPathComponent("lower.tar.gz").path, "."])
        try await ToolRunner.run("sh", ["-c", "tar -C '\(upper.path)' -cf - . | zstd -q -o '\(work.appendingPathComponent("upper.tar.zst").path)'"])
        let layout = work.appendingPathComponent("layout")
        try InventoryTestSupport.layout(
            layout, layers: [work.appendingPathComponent("lower.tar.gz"), work.appendingPathComponent("upper.tar.zst")], tag: "3.19")
        let file = work.appendingPathComponent("apk.cdx.json")
        let result = try await InventoryTestSupport.releaseTool(["sbom", "oci:\(layout.path):3.19", "--format", "cyclonedx-json", "--output", file.path])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(try await InventoryTestSupport.validateCycloneDX(file, venv: venv).succeeded)
        let bom = try InventoryTestSupport.json(try String(contentsOf: file, encoding: .utf8))
        let purls = (bom["components"] as? [[String: Any]] ?? []).compactMap { $0["purl"] as? String }.sorted()
        #expect(purls.count == 5)
        #expect(purls.contains("pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1"))
        #expect(!purls.contains { $0.contains("ghost") }, "the whited-out dpkg database is gone")
    }
}
