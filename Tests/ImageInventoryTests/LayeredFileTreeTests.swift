import Foundation
import ImageInventory
import Testing

@Suite("Layers: streamed tar over gzip/zstd, whiteouts in order")
struct LayeredFileTreeTests {
    static let status = "Package: a\nStatus: install ok installed\nVersion: 1\n"

    func tree(_ layers: [Data]) throws -> LayeredFileTree {
        var tree = LayeredFileTree(wants: Inventory.isOfInterest)
        for (index, layer) in layers.enumerated() { try tree.apply(layerData: layer, label: "layer \(index)") }
        return tree
    }

    @Test("plain, gzip and zstd layers give the same files")
    func compressions() throws {
        let tar = TarBuilder([.directory("var/lib/dpkg"), .file("var/lib/dpkg/status", Self.status), .file("usr/bin/other", "skip")]).archive
        for layer in [tar, TarBuilder.gzip(tar), TarBuilder.zstd(tar)] {
            let tree = try tree([layer])
            #expect(tree.contents(of: "var/lib/dpkg/status") == Data(Self.status.utf8))
            #expect(tree.contents(of: "usr/bin/other") == nil, "files of no interest are not kept")
        }
    }

    @Test("a whiteout in an upper layer removes the file; a later layer can add it back")
    func whiteout() throws {
        let lower = TarBuilder([.file("./var/lib/dpkg/status", Self.status), .file("etc/os-release", "ID=debian\n")]).archive
        let upper = TarBuilder([.file("var/lib/dpkg/.wh.status", "")]).archive
        #expect(try tree([lower, upper]).contents(of: "var/lib/dpkg/status") == nil)
        #expect(try tree([lower, upper]).contents(of: "etc/os-release") != nil)
        let again = TarBuilder([.file("var/lib/dpkg/status", "Package: b\nVersion: 2\n")]).archive
        #expect(try tree([lower, upper, again]).contents(of: "var/lib/dpkg/status") == Data("Package: b\nVersion: 2\n".utf8))
    }

    @Test("an opaque directory hides lower layers' files but keeps its own layer's")
    func opaque() throws {
        let lower = TarBuilder([.file("var/lib/dpkg/status.d/a", Self.status), .file("var/lib/dpkg/status.d/b", Self.status)]).archive
        // The marker comes after this layer's own file: order within a layer must not matter.
        let upper = TarBuilder([.file("var/lib/dpkg/status.d/c", Self.status), .file("var/lib/dpkg/status.d/.wh..wh..opq", "")]).archive
        let files = try tree([lower, upper]).files(under: "var/lib/dpkg/status.d").map(\.path)
        #expect(files == ["var/lib/dpkg/status.d/c"])
    }

    @Test("a whiteout of a directory removes everything under it")
    func directoryWhiteout() throws {
        let lower = TarBuilder([.file("var/lib/dpkg/status.d/a", Self.status)]).archive
        let upper = TarBuilder([.file("var/lib/dpkg/.wh.status.d", "")]).archive
        #expect(try tree([lower, upper]).files(under: "var/lib/dpkg/status.d").isEmpty)
    }

    @Test("symlinks are followed (etc/os-release → ../usr/lib/os-release), hard links copied")
    func links() throws {
        let layer = TarBuilder([
            .file("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n"), .symlink("etc/os-release", target: "../usr/lib/os-release"),
            .file("usr/share/doc/libfoo/copyright", "x"), .symlink("usr/share/doc/libbar", target: "libfoo"),
            .file("var/lib/dpkg/status.d/a", Self.status), .hardlink("var/lib/dpkg/status.d/b", target: "./var/lib/dpkg/status.d/a"),
        ]).archive
        let tree = try tree([TarBuilder.gzip(layer)])
        #expect(tree.contents(of: "etc/os-release") == Data("ID=debian\nVERSION_ID=\"12\"\n".utf8))
        #expect(tree.contents(of: "usr/share/doc/libbar/copyright") == Data("x".utf8))
        #expect(tree.files(under: "var/lib/dpkg/status.d").count == 2)
    }

    @Test("PAX long paths are honoured")
    func longPath() throws {
        let directory = "var/lib/dpkg/status.d"
        let name = String(repeating: "n", count: 120)
        let layer = TarBuilder([.file("\(directory)/\(name)", Self.status)]).archive
        #expect(try tree([layer]).files(under: directory).map(\.path) == ["\(directory)/\(name)"])
    }

    @Test("a truncated or corrupt layer is an error naming the layer, not a crash", arguments: [0, 1, 2])
    func truncated(kind: Int) throws {
        let tar = TarBuilder([.file("var/lib/dpkg/status", String(repeating: "Package: a\nVersion: 1\n\n", count: 200))]).archive
        let compressed = kind == 0 ? tar : (kind == 1 ? TarBuilder.gzip(tar) : TarBuilder.zstd(tar))
        let cut = compressed.prefix(compressed.count / 2)
        #expect {
            _ = try self.tree([Data(cut)])
        } throws: { error in
            guard let error = error as? InventoryError, case let .badLayer(layer, _) = error else { return false }
            return layer == "layer 0"
        }
        var garbage = tar
        garbage[148] = UInt8(ascii: "9")
        #expect(throws: InventoryError.self) { _ = try self.tree([garbage]) }
    }

    @Test("a layer file whose bytes do not match its digest is refused")
    func digestMismatch() throws {
        let directory = try TestLayout.temporaryDirectory("digest")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("layer")
        try TarBuilder([.file("etc/os-release", "ID=x\n")]).archive.write(to: file)
        var tree = LayeredFileTree(wants: Inventory.isOfInterest)
        #expect(throws: InventoryError.self) { try tree.apply(layerFile: file, label: "l", sha256Hex: String(repeating: "0", count: 64)) }
        try tree.apply(layerFile: file, label: "l", sha256Hex: TestLayout.sha256(try Data(contentsOf: file)))
        #expect(tree.contents(of: "etc/os-release") != nil)
    }
}

@Suite("Layers: reading limits, each an error naming the layer and the limit")
struct LayerLimitsTests {
    func overLimit(_ layers: [Data], limits: LayerLimits = .standard, _ fragment: String) {
        #expect {
            var tree = LayeredFileTree(wants: Inventory.isOfInterest, limits: limits)
            for (index, layer) in layers.enumerated() { try tree.apply(layerData: layer, label: "sha256:l\(index)") }
        } throws: { error in
            guard let error = error as? InventoryError, case let .layerOverLimit(layer, limit, _) = error else { return false }
            return layer.hasPrefix("sha256:l") && limit.contains(fragment) && error.description.contains("docs/SECURITY.md")
        }
    }

    @Test("1,000 entries with 1 MiB PAX paths stop at the first header (64 KiB per header)")
    func hugePAXPaths() {
        let path = "usr/share/doc/" + String(repeating: "p", count: (1 << 20) - 100)
        let tar = TarBuilder((0..<4).map { .file(path + "\($0)/copyright", "x") }).archive
        overLimit([TarBuilder.gzip(tar)], "64 KiB per tar header")
    }

    @Test("a path over 4096 bytes is refused")
    func longPath() {
        let tar = TarBuilder([.file("usr/share/doc/" + String(repeating: "d/", count: 3000) + "copyright", "x")]).archive
        overLimit([tar], "4096 bytes per path")
    }

    @Test("sixteen layers of one highly compressible package database go over the kept bytes per image")
    func keptBytes() throws {
        // Files kept whole (package databases; copyright files are condensed as they stream,
        // see CopyrightStreamingTests), 16 x 1 MiB against an injected 4 MiB so the debug
        // build reads it in well under a second: the budget is per image, not per layer,
        // and the fifth layer is the first over it.
        let text = String(repeating: "a", count: 1 << 20)
        let layer = TarBuilder.gzip(TarBuilder([.file("var/lib/dpkg/status.d/p", text)]).archive)
        #expect(layer.count < 5_000)
        overLimit(Array(repeating: layer, count: 16), limits: LayerLimits(maximumKeptBytes: 4 << 20), "4 MiB of file contents kept per image")
        var tree = LayeredFileTree(wants: Inventory.isOfInterest, limits: LayerLimits(maximumKeptBytes: 4 << 20))
        #expect(throws: Never.self) { for _ in 0..<4 { try tree.apply(layerData: layer, label: "ok") } }
    }

    @Test("entries and decompressed bytes are counted over all layers")
    func entriesAndBytes() {
        let layer = TarBuilder((0..<100).map { .file("srv/f\($0)", String(repeating: "z", count: 1000)) }).archive
        overLimit([layer, layer, layer], limits: LayerLimits(maximumEntries: 250), "250 tar entries per image")
        overLimit([TarBuilder.gzip(layer), TarBuilder.zstd(layer)], limits: LayerLimits(maximumDecompressedBytes: 150 << 10), "150 KiB decompressed")
        var tree = LayeredFileTree(wants: Inventory.isOfInterest, limits: LayerLimits(maximumEntries: 300))
        #expect(throws: Never.self) { for _ in 0..<3 { try tree.apply(layerData: layer, label: "ok") } }
    }
}
