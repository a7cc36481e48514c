import Foundation
import Testing

@testable import ImageInventory

/// Copyright files are read for their licence names as they stream out of a layer: what is
/// kept per file is a few hundred bytes, whatever the file's size.
@Suite("Copyright files: licence names read as they stream, not kept whole")
struct CopyrightStreamingTests {
    static let dep5 = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: foo
        # a comment
        License: Zlib

        Files: *
        Copyright: 2020 Someone
        License: BSD-3-Clause or Expat
         The long text
         .
         more text

        Files: debian/*
        License: GPL-2+
        Comment: x

        Files: other/*
        License: BSD-3-Clause or Expat

        """

    @Test("the issue's layer: 16 layers of a 64 MiB copyright file (gzip, ~35 KB each) keep almost nothing")
    func sixteenLargeCopyrightFiles() throws {
        let layer = TarBuilder.gzip(
            TarBuilder([.file("usr/share/doc/p/copyright", String(repeating: "a", count: 64 << 20))]).archive)
        #expect(layer.count < 100_000, "\(layer.count) bytes compressed")
        var tree = LayeredFileTree.forInventory()
        // Before: the fifth layer went over the 256 MiB kept per image (64 MiB kept per file).
        for index in 0..<16 { try tree.apply(layerData: layer, label: "sha256:l\(index)") }
        #expect(tree.bytesKept == 0, "\(tree.bytesKept) bytes kept")
        #expect(tree.contents(of: "usr/share/doc/p/copyright") == Data())
    }

    @Test("a 4 MiB DEP-5 copyright file of repeated paragraphs keeps its distinct licence names only")
    func largeDEP5File() throws {
        let paragraph = "Files: src/*\nCopyright: 2020 Someone\nLicense: GPL-2+\n Text of the licence, one line of many.\n\n"
        let text =
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
            + String(repeating: paragraph, count: (4 << 20) / paragraph.utf8.count)
        let status = "Package: p\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n"
        let layer = TarBuilder.gzip(
            TarBuilder([.file("var/lib/dpkg/status", status), .file("usr/share/doc/p/copyright", text)]).archive)
        var tree = LayeredFileTree.forInventory()
        try tree.apply(layerData: layer, label: "sha256:l")
        #expect(tree.bytesKept < 1024, "\(tree.bytesKept) bytes kept")
        let inventory = try Inventory.read(from: tree)
        #expect(inventory.packages.map(\.license) == ["GPL-2.0-or-later"])
    }

    @Test("fed one byte at a time, the condensed file gives the same licence as the whole file")
    func sameLicenceAsTheWholeFile() throws {
        let condenser = DebianCopyrightCondenser()
        for byte in Array(Self.dep5.utf8) { [byte].withUnsafeBytes { condenser.feed($0) } }
        let condensed = String(decoding: condenser.finish(), as: UTF8.self)
        let whole = try DebianCopyright.license(Self.dep5, file: "copyright")
        #expect(whole == "(BSD-3-Clause OR MIT) AND GPL-2.0-or-later")
        #expect(try DebianCopyright.license(condensed, file: "copyright") == whole, "\(condensed)")
        // The header licence is the fallback when no Files paragraph names one.
        let header = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: Zlib\n\nFiles: *\nCopyright: x\n"
        let headerOnly = DebianCopyrightCondenser()
        Array(header.utf8).withUnsafeBytes { headerOnly.feed($0) }
        #expect(try DebianCopyright.license(String(decoding: headerOnly.finish(), as: UTF8.self), file: "c") == "Zlib")
    }

    @Test("not DEP-5: nothing is kept and no licence is claimed; too many names: unknown, not partial")
    func notDEP5AndTooManyNames() throws {
        let plain = DebianCopyrightCondenser()
        Array("This package is under the GPL.\n".utf8).withUnsafeBytes { plain.feed($0) }
        #expect(plain.finish().isEmpty)

        var many = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        for index in 0...DebianCopyrightCondenser.maximumLicenses { many += "\nFiles: f\(index)\nLicense: L\(index)\n" }
        let condenser = DebianCopyrightCondenser()
        Array(many.utf8).withUnsafeBytes { condenser.feed($0) }
        #expect(throws: InventoryError.self) { _ = try DebianCopyright.license(String(decoding: condenser.finish(), as: UTF8.self), file: "c") }
    }
}
