import Foundation
import ImageInventory
import Testing

@Suite("Package databases: dpkg status, status.d, apk installed, DEP-5 copyright, os-release")
struct PackageDatabaseTests {
    static let status = """
        Package: libc6
        Status: install ok installed
        Priority: optional
        Architecture: amd64
        Multi-Arch: same
        Source: glibc (2.36-9+deb12u14)
        Version: 2.36-9+deb12u14+b1
        Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
        Description: GNU C Library: Shared libraries
         Contains the standard libraries.
         .
         More.
        Homepage: https://www.gnu.org/software/libc/libc.html

        Package: removed
        Status: deinstall ok config-files
        Version: 1.0

        Package: zlib1g
        Status: install ok installed
        Architecture: amd64
        Source: zlib
        Version: 1:1.2.13.dfsg-1

        """

    @Test("dpkg status: installed packages with source name/version, maintainer; config-files left out")
    func dpkg() throws {
        let packages = try DpkgStatusParser.parse(Self.status, file: "var/lib/dpkg/status")
        #expect(packages.map(\.name) == ["libc6", "zlib1g"])
        #expect(packages[0].sourceName == "glibc")
        #expect(packages[0].sourceVersion == "2.36-9+deb12u14")
        #expect(packages[0].version == "2.36-9+deb12u14+b1")
        #expect(packages[0].maintainer == "GNU Libc Maintainers <debian-glibc@lists.debian.org>")
        #expect(packages[0].databaseLine == 1)
        #expect(packages[1].sourceName == "zlib")
        #expect(packages[1].sourceVersion == "1:1.2.13.dfsg-1")
        #expect(packages[1].databaseLine == 19)
    }

    @Test(
        "malformed dpkg status: errors carry line:column",
        arguments: [
            ("Package: a\nno colon here\n", 2, 14), ("Package: a\nVersion: 1\n\n continuation first\n", 4, 1),
            ("Package: a\nBad Name: x\n", 2, 4), ("Version: 1\n", 1, 1), ("Package: a\nStatus: install ok installed\n", 1, 1),
        ])
    func dpkgErrors(text: String, line: Int, column: Int) {
        #expect {
            _ = try DpkgStatusParser.parse(text, file: "status")
        } throws: { error in
            guard case let .malformed(file, at, _) = error as? InventoryError else { return false }
            return file == "status" && at == TextPosition(line: line, column: column)
        }
    }

    @Test("apk installed: the fixture database")
    func apk() throws {
        let text = try String(contentsOf: TestLayout.fixtures.appendingPathComponent("apk/installed"), encoding: .utf8)
        let packages = try ApkDatabaseParser.parse(text, file: "lib/apk/db/installed")
        #expect(packages.map(\.name) == ["musl", "busybox", "libcrypto3", "ssl_client", "zlib"])
        let crypto = try #require(packages.first { $0.name == "libcrypto3" })
        #expect(crypto.sourceName == "openssl")
        #expect(crypto.version == "3.1.4-r1")
        #expect(crypto.license == "Apache-2.0")
        #expect(crypto.architecture == "x86_64")
        #expect(throws: InventoryError.self) { _ = try ApkDatabaseParser.parse("P:x\nbroken\n", file: "installed") }
        #expect(throws: InventoryError.self) { _ = try ApkDatabaseParser.parse("P:x\n\n", file: "installed") }
    }

    @Test("DEP-5 copyright: the Files paragraphs' licenses as one SPDX expression")
    func copyright() throws {
        let text = """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: demo

            Files: *
            Copyright: 2020 Someone
            License: GPL-2+

            Files: lib/*
            Copyright: 2021 Other
            License: BSD-3-clause or Expat

            License: GPL-2+
             The text.

            """
        #expect(try DebianCopyright.license(text, file: "copyright") == "(BSD-3-Clause OR MIT) AND GPL-2.0-or-later")
        #expect(try DebianCopyright.license("This is not machine-readable.\nGPL.\n", file: "copyright") == nil)
        #expect(LicenseExpression.spdx(fromDebian: "public-domain") == "LicenseRef-public-domain")
    }

    @Test("os-release: quoted values and the OSV ecosystem")
    func osRelease() throws {
        let debian = try OSRelease.parse("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")
        #expect(debian.osvEcosystem == "Debian:12")
        #expect(debian.prettyName == "Debian GNU/Linux 12 (bookworm)")
        let alpine = try OSRelease.parse(try String(contentsOf: TestLayout.fixtures.appendingPathComponent("apk/os-release"), encoding: .utf8))
        #expect(alpine.osvEcosystem == "Alpine:v3.19")
        #expect(alpine.purlDistro == "alpine-3.19.1")
        #expect(throws: InventoryError.self) { _ = try OSRelease.parse("ID=debian\njunk\n") }
    }

    @Test("no package database: an inventory with the note, not an error")
    func noDatabase() throws {
        var tree = LayeredFileTree(wants: Inventory.isOfInterest)
        try tree.apply(layerData: TarBuilder([.file("bin/busybox", "ELF")]).archive, label: "busybox")
        let inventory = try Inventory.read(from: tree)
        #expect(inventory.packages.isEmpty)
        #expect(inventory.os == nil)
        #expect(inventory.notes.contains(Inventory.noDatabaseNote))
    }
}
