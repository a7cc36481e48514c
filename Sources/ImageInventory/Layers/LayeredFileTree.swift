import Foundation

// Crypto is absent only where bench/scan-matcher compiles these files with swiftc alone.
#if canImport(Crypto)
    import Crypto
#endif

/// The image's root filesystem as far as the files of interest go: layers applied bottom to
/// top with OCI whiteouts (`.wh.NAME` removes NAME, `.wh..wh..opq` hides what lower layers
/// put in that directory), only the wanted files' contents held in memory.
public struct LayeredFileTree: Sendable {
    public enum Node: Sendable, Hashable {
        case file(Data)
        case symlink(String)
    }

    private struct Kept: Sendable {
        var node: Node
        var layer: Int
    }

    private var nodes: [String: Kept] = [:]
    private var layerCount = 0
    private let wants: @Sendable (String) -> Bool

    /// `wants` decides, by normalised path (`etc/os-release`), which files to keep.
    public init(wants: @escaping @Sendable (String) -> Bool) {
        self.wants = wants
    }

    public var paths: [String] { nodes.keys.sorted() }

    /// Applies one layer read from `file` (tar, tar+gzip or tar+zstd, told by its magic bytes).
    /// With `sha256Hex`, the compressed bytes are hashed on the way and must match.
    public mutating func apply(layerFile file: URL, label: String, sha256Hex: String? = nil) throws(InventoryError) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: file) } catch {
            throw .localFile(path: file.path, reason: "cannot read the layer: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let prefix: Data
        do { prefix = try handle.read(upToCount: 4) ?? Data() } catch {
            throw .localFile(path: file.path, reason: "cannot read the layer: \(error.localizedDescription)")
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
            throw .localFile(path: file.path, reason: "cannot read the layer: \(error.localizedDescription)")
        }
    }

    /// Applies one layer given as bytes in memory.
    public mutating func apply(layerData data: Data, label: String) throws(InventoryError) {
        do {
            try apply(label: label, compression: LayerCompression.detect(data)) { sink in
                try data.withUnsafeBytes { try sink($0) }
            }
        } catch let error as InventoryError {
            throw error
        } catch {
            throw .badLayer(layer: label, reason: error.localizedDescription)
        }
    }

    private mutating func apply(
        label: String, compression: LayerCompression,
        source: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let layer = layerCount
        layerCount += 1
        let decompressor: any StreamDecompressor
        switch compression {
        case .none: decompressor = IdentityDecompressor()
        case .gzip: decompressor = try ZlibDecompressor(raw: false, label: label)
        case .zstd: decompressor = try ZstdDecompressor(label: label)
        }
        // Changes are collected and applied after the whole layer is read, so a whiteout
        // anywhere in the layer only hides lower layers, never this layer's own files.
        var changes: [(TarEntry, Data?)] = []
        let wants = self.wants
        let reader = TarStreamReader(
            label: label,
            wants: { wants($0.path) },
            found: { entry, data in
                let name = entry.path.split(separator: "/").last.map(String.init) ?? ""
                if name.hasPrefix(".wh.") || data != nil || entry.kind == .symlink || entry.kind == .hardlink || entry.kind == .directory
                    || entry.kind == .file
                {
                    changes.append((entry, data))
                }
            })
        try source { chunk in
            try decompressor.feed(chunk) { try reader.feed($0) }
        }
        try decompressor.finish()
        try reader.finish()
        for (entry, data) in changes { record(entry, data: data, layer: layer) }
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
            if let data { nodes[path] = Kept(node: .file(data), layer: layer) } else { nodes[path] = nil }
        case .symlink:
            removeLower(under: path, layer: layer, includingSelf: false)
            nodes[path] = wantsLink(path) ? Kept(node: .symlink(entry.linkTarget), layer: layer) : nil
        case .hardlink:
            let target = TarEntry.normalise(entry.linkTarget)
            if wants(path), let source = nodes[target] { nodes[path] = Kept(node: source.node, layer: layer) } else { nodes[path] = nil }
        case .other:
            nodes[path] = nil
        }
    }

    /// Symlinks are kept when they could lead to a wanted file (e.g. etc/os-release →
    /// ../usr/lib/os-release, usr/share/doc/PKG → OTHER): cheap, and resolved at read time.
    private func wantsLink(_ path: String) -> Bool {
        wants(path) || wants(path + "/copyright") || path.hasPrefix("etc") || path.hasPrefix("usr/lib") || path.hasPrefix("var/lib")
    }

    private mutating func removeLower(under path: String, layer: Int, includingSelf: Bool) {
        let prefix = path.isEmpty ? "" : path + "/"
        for (key, kept) in nodes where kept.layer < layer {
            if (includingSelf && key == path) || key.hasPrefix(prefix) { nodes[key] = nil }
        }
    }

    /// The contents at `path`, following symlinks (absolute ones from the image root, at
    /// most 16 hops) through directories and files.
    public func contents(of path: String) -> Data? {
        var current = TarEntry.normalise(path)
        for _ in 0..<16 {
            if case let .file(data)? = nodes[current]?.node { return data }
            guard let (resolved, changed) = resolveOnce(current), changed else { return nil }
            current = resolved
        }
        return nil
    }

    /// Kept files under `directory`, paths sorted.
    public func files(under directory: String) -> [(path: String, data: Data)] {
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
