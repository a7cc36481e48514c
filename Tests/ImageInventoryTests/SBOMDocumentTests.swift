import Foundation
import ImageInventory
import Testing

@Suite("SBOM documents: purls, SPDX 2.3 and CycloneDX 1.6 structure")
struct SBOMDocumentTests {
    static let os = OSRelease(fields: ["ID": "debian", "VERSION_ID": "12"])
    static let libc = InstalledPackage(
        kind: .deb, name: "libc6", version: "2.36-9+deb12u14", architecture: "amd64", sourceName: "glibc",
        maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>", license: "GPL-2.0-or-later AND LicenseRef-public-domain",
        databasePath: "var/lib/dpkg/status", databaseLine: 1)
    static let zlib = InstalledPackage(
        kind: .deb, name: "zlib1g", version: "1:1.2.13.dfsg-1", architecture: "amd64", sourceName: "zlib", databasePath: "var/lib/dpkg/status",
        databaseLine: 20)
    static let subject = ImageSubject(name: "127.0.0.1:5000/fixtures/debian:bookworm", manifestDigest: "sha256:" + String(repeating: "ab", count: 32))
    static let creation = SBOMCreation(toolName: "release-tool", toolVersion: "0.0.0-test", created: Date(timeIntervalSince1970: 1_800_000_000))

    @Test("purls follow the spec: sorted qualifiers, the epoch colon as is")
    func purls() {
        // purl-spec tests/types/deb-test.json: "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64".
        #expect(PackageURL.of(Self.zlib, os: Self.os) == "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib")
        let apk = InstalledPackage(kind: .apk, name: "busybox", version: "1.36.1-r15", architecture: "x86_64", databasePath: "x", databaseLine: 1)
        #expect(
            PackageURL.of(apk, os: OSRelease(fields: ["ID": "alpine", "VERSION_ID": "3.19.1"]))
                == "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1")
        #expect(Self.subject.purl.hasPrefix("pkg:oci/debian@sha256:abab"))
        // purl-spec tests/types/oci-test.json: "repository_url=docker.io%2Flibrary%2Fdebian".
        #expect(Self.subject.purl.hasSuffix("?repository_url=127.0.0.1%3A5000%2Ffixtures%2Fdebian") == false)
        #expect(Self.subject.purl.hasSuffix("?repository_url=127.0.0.1:5000%2Ffixtures%2Fdebian"))
    }

    func json(_ format: SBOMFormat, _ inventory: Inventory) throws -> [String: Any] {
        let data = try SBOMWriter.document(format, subject: Self.subject, inventory: inventory, creation: Self.creation)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("SPDX: the image is described, contains every package; LicenseRefs are declared")
    func spdx() throws {
        let inventory = Inventory(os: Self.os, packages: [Self.libc, Self.zlib], databases: ["var/lib/dpkg/status"], notes: [])
        let document = try json(.spdxJSON, inventory)
        #expect(document["spdxVersion"] as? String == "SPDX-2.3")
        let packages = try #require(document["packages"] as? [[String: Any]])
        let image = try #require(packages.first { $0["SPDXID"] as? String == "SPDXRef-Image" })
        #expect(image["versionInfo"] as? String == Self.subject.manifestDigest)
        #expect((image["checksums"] as? [[String: String]])?.first?["checksumValue"] == String(repeating: "ab", count: 32))
        let relationships = try #require(document["relationships"] as? [[String: String]])
        #expect(relationships.contains { $0["relationshipType"] == "DESCRIBES" && $0["relatedSpdxElement"] == "SPDXRef-Image" })
        #expect(relationships.filter { $0["relationshipType"] == "CONTAINS" }.count == 3) // OS + 2 packages
        let libc = try #require(packages.first { $0["name"] as? String == "libc6" })
        #expect(libc["licenseDeclared"] as? String == Self.libc.license)
        #expect(libc["supplier"] as? String == "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)")
        let extracted = try #require(document["hasExtractedLicensingInfos"] as? [[String: String]])
        #expect(extracted.map { $0["licenseId"] } == ["LicenseRef-public-domain"])
    }

    @Test("CycloneDX: the image as metadata.component, packages as components with purls")
    func cyclonedx() throws {
        let inventory = Inventory(os: Self.os, packages: [Self.libc, Self.zlib], databases: [], notes: ["a note"])
        let document = try json(.cyclonedxJSON, inventory)
        #expect(document["specVersion"] as? String == "1.6")
        let metadata = try #require(document["metadata"] as? [String: Any])
        let component = try #require(metadata["component"] as? [String: Any])
        #expect(component["type"] as? String == "container")
        #expect(component["version"] as? String == Self.subject.manifestDigest)
        let components = try #require(document["components"] as? [[String: Any]])
        #expect(components.compactMap { $0["purl"] as? String }.count == 2)
        #expect((metadata["properties"] as? [[String: String]])?.first?["value"] == "a note")
    }

    @Test("an image without a package database still gets a document carrying the note")
    func emptyImage() throws {
        let inventory = Inventory(os: nil, packages: [], databases: [], notes: [Inventory.noDatabaseNote])
        let spdx = try json(.spdxJSON, inventory)
        #expect((spdx["comment"] as? String)?.contains("no package database found") == true)
        #expect((spdx["packages"] as? [Any])?.count == 1)
    }
}
