import Foundation
import SystemSupport

// Crypto is absent only where bench/scan-matcher compiles these files with swiftc alone.
#if canImport(Crypto)
    import Crypto
#endif

/// The image's root filesystem as far as the files of interest go: layers applied bottom to
/// top with OCI whiteouts (`.wh.NAME` removes NAME, `.wh..wh..opq` hides what lower layers
/// put in that directory), only the wanted files' contents held in memory.
package struct LayeredFileTree: Sendable {
    package enum Node: Sendable, Hashable {
        case file(Data)
        case symlink(String)
    }

    private struct Kept: Sendable {
        var node: Node
        var layer: Int
    }

    private var nodes: [String: Kept] = [:]
    /// Directory path ("" for the root) → names in it that are kept nodes or lead to some:
    /// a whiteout or an override reaches what lies under a path without scanning every node.
    /// May name paths whose nodes are gone; walks prune them.
    private var children: [String: Set<String>] = [:]
    private var layerCount = 0
    private let wants: @Sendable (String) -> Bool
    private let condense: @Sendable (String) -> (any ContentCondenser)?
    private let limits: LayerLimits
    private var entries = 0
    private var keptBytes = 0
    private var decompressedBytes = 0

    /// `wants` decides, by normalised path (`etc/os-release`), which files to keep; `limits`
    /// bound what reading all of the image's layers may cost.
    package init(wants: @escaping @Sendable (String) -> Bool, limits: LayerLimits = .standard) {
        self.init(wants: wants, condense: { _ in nil }, limits: limits)
    }

    /// `condense` streams a wanted file through a condenser (by path) instead of keeping it whole.
    init(wants: @escaping @Sendable (String) -> Bool, condense: @escaping @Sendable (String) -> (any ContentCondenser)?, limits: LayerLimits) {
        self.wants = wants
        self.condense = condense
        self.limits = limits
    }

    /// The tree an inventory reads: ``Inventory/isOfInterest(_:)``'s files, copyright files
    /// condensed to their licence names as they stream (a few KiB each, whatever their size).
    package static func forInventory(limits: LayerLimits = .standard) -> LayeredFileTree {
        LayeredFileTree(wants: Inventory.isOfInterest, condense: Inventory.condenser(for:), limits: limits)
    }

    package var paths: [String] { nodes.keys.sorted() }
    /// File contents kept so far over the image's layers (what ``LayerLimits/maximumKeptBytes`` bounds).
    package var bytesKept: Int { keptBytes }

    /// Applies one layer read from `file` (tar, tar+gzip or tar+zstd, told by its magic bytes).
    /// With `sha256Hex`, the compressed bytes are hashed on the way and must match.
    package mutating func apply(layerFile file: URL, label: String, sha256Hex: String? = nil) throws(InventoryError) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: file) } catch {
            throw .localFile(path: file.path, reason: "cannot read the layer: \(describe(error))")
        }
        defer { try? handle.close() }
        let prefix: Data
        do { prefix = try handle.read(upToCount: 4) ?? Data() } catch {
            throw .localFile(path: file.path, reason: "cannot read the layer: \(describe(error))")
        }
        do {
            try handle.seek(toOffset: 0)
            #if canImport(Crypto)
                var hasher = SHA256()
            #endif
            try apply(label: label, compression: LayerCompression.detect(prefix)) { sink in
                while let chunk = try handle.read(upToCount: 1 << 18), !chunk.isEmpty {
                    #if canImport(Crypto)
                        if sha256Hex != nil { hasher.update(data: chunk) }
                    #endif
                    try chunk.withUnsafeBytes { try sink($0) }
                }
            }
            #if canImport(Crypto)
                if let sha256Hex {
                    let actual = hasher.finalize().map { String(format: "%02x", $0) }.joined()
                    guard actual == sha256Hex else {
                        throw InventoryError.badLayer(layer: label, reason: "its bytes hash to sha256:\(actual), not the digest the manifest names")
                    }
                }
            #endif
        } catch let error as InventoryError {
            throw error
        } catch {
            throw .localFile(path: file.path, reason: "cannot read the layer: \(describe(error))")
        }
    }

    /// Applies one layer given as bytes in memory.
    package mutating func apply(layerData data: Data, label: String) throws(InventoryError) {
        do {
            try apply(label: label, compression: LayerCompression.detect(data)) { sink in
                try data.withUnsafeBytes { try sink($0) }
            }
        } catch let error as InventoryError {
            throw error
        } catch {
            throw .badLayer(layer: label, reason: describe(error))
        }
    }

    private mutating func apply(
        label: String, compression: LayerCompression,
        source: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let layer = layerCount
        layerCount += 1
        let changes = try readChanges(label: label, compression: compression, source: source)
        for (entry, data) in changes { record(entry, data: data, layer: layer) }
    }

    /// Reads one layer and returns, in order, the members that change the tree: whiteouts,
    /// kept contents, links that may lead to a wanted file, and members at a path that a lower
    /// layer or this one already has. Changes are applied after the whole layer is read, so a
    /// whiteout anywhere in the layer only hides lower layers, never this layer's own files.
    private mutating func readChanges(
        label: String, compression: LayerCompression,
        source: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> [(TarEntry, Data?)] {
        let decompressor: any StreamDecompressor
        switch compression {
        case .none: decompressor = IdentityDecompressor()
        case .gzip: decompressor = try ZlibDecompressor(raw: false, label: label)
        case .zstd: decompressor = try ZstdDecompressor(label: label)
        }
        let changes = Changes()
        let wants = self.wants
        let condense = self.condense
        let lowerNodes = self.nodes
        let lowerChildren = self.children
        let wantsLink = { (path: String) in Self.wantsLink(path, wants: wants) }
        let reader = TarStreamReader(
            label: label, limits: limits, entries: entries, keptBytes: keptBytes,
            wants: { wants($0.path) },
            condense: { condense($0.path) },
            found: { entry, data in
                let path = entry.path
                let name = path.split(separator: "/").last.map(String.init) ?? ""
                let relevant =
                    name.hasPrefix(".wh.") || data != nil || (entry.kind == .symlink && wantsLink(path))
                    || (entry.kind == .hardlink && wants(path)) || lowerNodes[path] != nil || lowerChildren[path] != nil
                    || changes.paths.contains(path)
                if relevant {
                    changes.list.append((entry, data))
                    changes.paths.insert(path)
                }
            })
        let limit = limits.maximumDecompressedBytes
        var decompressed = decompressedBytes
        try source { chunk in
            try decompressor.feed(chunk) { out in
                decompressed += out.count
                guard decompressed <= limit else {
                    throw InventoryError.layerOverLimit(
                        layer: label, limit: "\(LayerLimits.bytes(limit)) decompressed per image",
                        reason: "the image's layers decompress to more")
                }
                try reader.feed(out)
            }
        }
        try decompressor.finish()
        try reader.finish()
        decompressedBytes = decompressed
        entries = reader.entries
        keptBytes = reader.keptBytes
        return changes.list
    }

    /// What `readChanges` collects while the reader runs.
    private final class Changes {
        var list: [(TarEntry, Data?)] = []
        var paths: Set<String> = []
    }

    private mutating func record(_ entry: TarEntry, data: Data?, layer: Int) {
        let path = entry.path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if name == ".wh..wh..opq" {
            removeLower(under: directory, layer: layer, includingSelf: false)
            return
        }
        if name.hasPrefix(".wh.") {
            let hidden = (directory.isEmpty ? "" : directory + "/") + String(name.dropFirst(4))
            removeLower(under: hidden, layer: layer, includingSelf: true)
            return
        }
        switch entry.kind {
        case .directory:
            // A directory replacing a file of a lower layer.
            if let existing = nodes[path], existing.layer < layer { nodes[path] = nil }
        case .file:
            removeLower(under: path, layer: layer, includingSelf: false)
            set(path, data.map { Kept(node: .file($0), layer: layer) })
        case .symlink:
            removeLower(under: path, layer: layer, includingSelf: false)
            set(path, wantsLink(path) ? Kept(node: .symlink(entry.linkTarget), layer: layer) : nil)
        case .hardlink:
            let target = TarEntry.normalise(entry.linkTarget)
            if wants(path), let source = nodes[target] { set(path, Kept(node: source.node, layer: layer)) } else { nodes[path] = nil }
        case .other:
            nodes[path] = nil
        }
    }

    /// Sets the node at `path`, entering it and its parents in `children` when kept.
    private mutating func set(_ path: String, _ kept: Kept?) {
        nodes[path] = kept
        guard kept != nil else { return }
        var current = Substring(path)
        while true {
            let slash = current.lastIndex(of: "/")
            let parent = slash.map { String(current[..<$0]) } ?? ""
            let name = slash.map { String(current[current.index(after: $0)...]) } ?? String(current)
            // Once a parent already lists the name, its own parents list it too.
            guard children[parent, default: []].insert(name).inserted, !parent.isEmpty else { return }
            current = Substring(parent)
        }
    }

    /// Symlinks are kept when they could lead to a wanted file (e.g. etc/os-release →
    /// ../usr/lib/os-release, usr/share/doc/PKG → OTHER): cheap, and resolved at read time.
    private func wantsLink(_ path: String) -> Bool { Self.wantsLink(path, wants: wants) }

    private static func wantsLink(_ path: String, wants: (String) -> Bool) -> Bool {
        wants(path) || wants(path + "/copyright") || path.hasPrefix("etc") || path.hasPrefix("usr/lib") || path.hasPrefix("var/lib")
    }

    /// Removes lower layers' nodes under `path` (and at it, with `includingSelf`), visiting
    /// only what `children` lists there; names that lead nowhere any more are pruned.
    private mutating func removeLower(under path: String, layer: Int, includingSelf: Bool) {
        if includingSelf, let kept = nodes[path], kept.layer < layer { nodes[path] = nil }
        var stack = [path]
        var visited: [String] = []
        while let directory = stack.popLast() {
            guard let names = children[directory] else { continue }
            visited.append(directory)
            for name in names {
                let child = directory.isEmpty ? name : directory + "/" + name
                if let kept = nodes[child], kept.layer < layer { nodes[child] = nil }
                stack.append(child)
            }
        }
        // Deepest first, so a directory emptied below is dropped from its parent too.
        for directory in visited.reversed() {
            guard let names = children[directory] else { continue }
            let prefix = directory.isEmpty ? "" : directory + "/"
            let left = names.filter { nodes[prefix + $0] != nil || children[prefix + $0] != nil }
            children[directory] = left.isEmpty ? nil : left
        }
    }

    /// The contents at `path`, following symlinks (absolute ones from the image root, at
    /// most 16 hops) through directories and files.
    package func contents(of path: String) -> Data? {
        var current = TarEntry.normalise(path)
        for _ in 0..<16 {
            if case let .file(data)? = nodes[current]?.node { return data }
            guard let (resolved, changed) = resolveOnce(current), changed else { return nil }
            current = resolved
        }
        return nil
    }

    /// Kept files under `directory`, paths sorted.
    package func files(under directory: String) -> [(path: String, data: Data)] {
        let prefix = TarEntry.normalise(directory) + "/"
        return nodes.compactMap { key, kept -> (path: String, data: Data)? in
            guard key.hasPrefix(prefix), case let .file(data) = kept.node else { return nil }
            return (key, data)
        }.sorted { $0.path < $1.path }
    }

    /// Replaces the first symlinked component of `path` with its target.
    private func resolveOnce(_ path: String) -> (String, Bool)? {
        let parts = path.split(separator: "/").map(String.init)
        for count in stride(from: parts.count, through: 1, by: -1) {
            let head = parts[0..<count].joined(separator: "/")
            guard case let .symlink(target)? = nodes[head]?.node else { continue }
            let base: [String] = target.hasPrefix("/") ? [] : Array(parts[0..<(count - 1)])
            var resolved = base
            for component in target.split(separator: "/") {
                if component == ".." { _ = resolved.popLast() } else if component != "." { resolved.append(String(component)) }
            }
            resolved.append(contentsOf: parts[count...])
            return (resolved.joined(separator: "/"), true)
        }
        return nil
    }
}
