import Foundation
import ImageInventory
import Testing

/// The documents SBOMWriter writes, against the official JSON schemas (spdx-spec v2.3
/// `schemas/spdx-schema.json`, CycloneDX 1.6 `schema/bom-1.6.schema.json`; vendored in
/// Tests/Fixtures/schemas) through python jsonschema — not only through one library's parser.
@Suite("SBOM documents against the official SPDX 2.3 and CycloneDX 1.6 JSON schemas")
struct SBOMSchemaTests {
    static let subject = ImageSubject(
        name: "127.0.0.1:5000/fixtures/debian:bookworm", manifestDigest: "sha256:" + String(repeating: "ab", count: 32),
        indexDigest: "sha256:" + String(repeating: "cd", count: 32), platform: "linux/amd64")
    static let creation = SBOMCreation(toolName: "release-tool", toolVersion: "0.0.0-test", created: Date(timeIntervalSince1970: 1_800_000_000))

    static func inventories() -> [(String, Inventory)] {
        let debian = OSRelease(fields: ["ID": "debian", "VERSION_ID": "12", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"])
        let libc = InstalledPackage(
            kind: .deb, name: "libc6", version: "2.36-9+deb12u14", architecture: "amd64", sourceName: "glibc",
            maintainer: "GNU Libc Maintainers <debian-glibc@lists.debian.org>", homepage: "https://www.gnu.org/software/libc/libc.html",
            license: "GPL-2.0-or-later AND LicenseRef-public-domain", databasePath: "var/lib/dpkg/status", databaseLine: 1)
        let zlib = InstalledPackage(
            kind: .deb, name: "zlib1g", version: "1:1.2.13.dfsg-1", architecture: "amd64", sourceName: "zlib", maintainer: "Mark Brown <broonie@debian.org>",
            license: "Zlib", databasePath: "var/lib/dpkg/status", databaseLine: 20)
        let busybox = InstalledPackage(
            kind: .apk, name: "busybox", version: "1.36.1-r15", architecture: "x86_64", license: "GPL-2.0-only", databasePath: "lib/apk/db/installed",
            databaseLine: 1)
        return [
            ("debian", Inventory(os: debian, packages: [libc, zlib], databases: ["var/lib/dpkg/status"], notes: [])),
            ("alpine", Inventory(os: OSRelease(fields: ["ID": "alpine", "VERSION_ID": "3.19.1"]), packages: [busybox], databases: [], notes: ["a note"])),
            ("empty", Inventory(os: nil, packages: [], databases: [], notes: [Inventory.noDatabaseNote])),
        ]
    }

    @Test(
        "every SPDX and CycloneDX document of the fixture inventories is valid against its official schema",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func documents() async throws {
        let venv = try #require(InventoryTestSupport.venv)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sbom-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [URL] = []
        for (name, inventory) in Self.inventories() {
            for format in [SBOMFormat.spdxJSON, .cyclonedxJSON] {
                let file = directory.appendingPathComponent("\(name)-\(format.rawValue).json")
                try SBOMWriter.document(format, subject: Self.subject, inventory: inventory, creation: Self.creation).write(to: file)
                files.append(file)
            }
        }
        // One validator run over all six (loading the schemas is most of its time).
        let result = try await InventoryTestSupport.validateAgainstSchema(files, venv: venv)
        #expect(result.succeeded && result.stdout.contains("6 of 6 documents valid"), "\(result.stdout)\(result.stderr)")
    }

    @Test(
        "the schema check can fail: the tag-value spelling OPERATING-SYSTEM is refused, as spdx-schema.json's enum has OPERATING_SYSTEM",
        .enabled(if: InventoryTestSupport.venv != nil, InventoryTestSupport.venvReason))
    func refusesTagValueSpelling() async throws {
        let venv = try #require(InventoryTestSupport.venv)
        let inventory = try #require(Self.inventories().first?.1)
        let document = try SBOMWriter.document(.spdxJSON, subject: Self.subject, inventory: inventory, creation: Self.creation)
        let text = String(decoding: document, as: UTF8.self)
        // spdx-schema.json, packages.primaryPackagePurpose: "enum": [… "OPERATING_SYSTEM", "FILE"].
        #expect(text.contains("\"OPERATING_SYSTEM\""))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sbom-schema-\(UUID().uuidString).spdx.json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.replacingOccurrences(of: "\"OPERATING_SYSTEM\"", with: "\"OPERATING-SYSTEM\"").utf8).write(to: file)
        let result = try await ToolRunner.run("\(venv)/bin/python", [InventoryTestSupport.schemaScript.path, file.path], check: false)
        #expect(!result.succeeded && result.stdout.contains("primaryPackagePurpose"), "\(result.stdout)")
    }
}
