import Foundation

/// A push parser for tar streams (ustar, GNU long names, PAX path/size records): bytes go in
/// in any chunk sizes; for each member it asks `wants(entry)` whether to keep the contents,
/// and hands back only the kept ones. Nothing is written anywhere.
final class TarStreamReader {
    /// Largest member contents kept in memory; larger wanted files are an error, not an OOM.
    static let maximumKeptSize = 64 << 20

    private enum State {
        case header
        case data(TarEntry, keep: Bool, remaining: Int, padding: Int)
        case longName(kind: UInt8, remaining: Int, padding: Int)
        case pax(global: Bool, remaining: Int, padding: Int)
        case end
    }

    private var state: State = .header
    private var buffer = [UInt8]()
    private var kept = [UInt8]()
    private var pendingPath: String?
    private var pendingLink: String?
    private var pendingSize: Int?
    private var zeroBlocks = 0
    private let label: String
    private let limits: LayerLimits
    /// Headers read and content bytes kept, counted on from the image's earlier layers.
    private(set) var entries: Int
    private(set) var keptBytes: Int
    private let wants: (TarEntry) -> Bool
    private let found: (TarEntry, Data?) throws -> Void
    private let condense: (TarEntry) -> (any ContentCondenser)?
    /// The member being streamed through a condenser instead of kept whole.
    private var condenser: (any ContentCondenser)?

    /// `found` sees every member (contents only for those `wants` accepted), in order.
    /// `entries` and `keptBytes` are what the image's earlier layers already used of `limits`.
    init(
        label: String, limits: LayerLimits = .standard, entries: Int = 0, keptBytes: Int = 0,
        wants: @escaping (TarEntry) -> Bool, condense: @escaping (TarEntry) -> (any ContentCondenser)? = { _ in nil },
        found: @escaping (TarEntry, Data?) throws -> Void
    ) {
        self.condense = condense
        self.label = label
        self.limits = limits
        self.entries = entries
        self.keptBytes = keptBytes
        self.wants = wants
        self.found = found
    }

    /// Takes the next part of a member body and its padding from `bytes`, keeping the body
    /// bytes in `kept` when `keep`; nil once body and padding are complete, else what is
    /// still to come. Data, GNU long-name and PAX bodies are all read this way.
    private func consumeBody(_ bytes: inout Slice<UnsafeRawBufferPointer>, remaining: Int, padding: Int, keep: Bool)
        -> (remaining: Int, padding: Int)?
    {
        let take = min(remaining + padding, bytes.count)
        let dataPart = min(take, remaining)
        if keep && dataPart > 0 {
            if let condenser {
                condenser.feed(UnsafeRawBufferPointer(rebasing: bytes.prefix(dataPart)))
            } else {
                kept.append(contentsOf: bytes.prefix(dataPart))
            }
        }
        bytes = bytes.dropFirst(take)
        let left = remaining + padding - take
        guard left > 0 else { return nil }
        let newRemaining = max(0, remaining - dataPart)
        return (newRemaining, left - newRemaining)
    }

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        var bytes = chunk[...]
        while !bytes.isEmpty {
            switch state {
            case .end:
                return
            case .header:
                let need = 512 - buffer.count
                let take = min(need, bytes.count)
                buffer.append(contentsOf: bytes.prefix(take))
                bytes = bytes.dropFirst(take)
                if buffer.count == 512 {
                    let block = buffer
                    buffer.removeAll(keepingCapacity: true)
                    try header(block)
                }
            case let .data(entry, keep, remaining, padding):
                if let rest = consumeBody(&bytes, remaining: remaining, padding: padding, keep: keep) {
                    state = .data(entry, keep: keep, remaining: rest.remaining, padding: rest.padding)
                } else {
                    let contents = keep ? try condensed() ?? Data(kept) : nil
                    kept.removeAll(keepingCapacity: false)
                    state = .header
                    try found(entry, contents)
                }
            case let .longName(kind, remaining, padding):
                if let rest = consumeBody(&bytes, remaining: remaining, padding: padding, keep: true) {
                    state = .longName(kind: kind, remaining: rest.remaining, padding: rest.padding)
                } else {
                    let text = Self.cString(kept[...])
                    if kind == UInt8(ascii: "L") { pendingPath = text } else { pendingLink = text }
                    kept.removeAll()
                    state = .header
                }
            case let .pax(global, remaining, padding):
                if let rest = consumeBody(&bytes, remaining: remaining, padding: padding, keep: true) {
                    state = .pax(global: global, remaining: rest.remaining, padding: rest.padding)
                } else {
                    if !global { applyPAX(kept) }
                    kept.removeAll()
                    state = .header
                }
            }
        }
    }

    /// Throws when the stream stopped inside a member.
    func finish() throws {
        switch state {
        case .header, .end:
            if !buffer.isEmpty && buffer.contains(where: { $0 != 0 }) {
                throw InventoryError.badLayer(layer: label, reason: "the tar stream ends inside a header")
            }
        default:
            throw InventoryError.badLayer(layer: label, reason: "the tar stream ends inside a member (truncated)")
        }
    }

    private func header(_ block: [UInt8]) throws {
        if block.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks >= 2 { state = .end }
            return
        }
        zeroBlocks = 0
        guard Self.checksumMatches(block) else {
            throw InventoryError.badLayer(layer: label, reason: "a tar header has a wrong checksum (not a tar stream, or corrupt)")
        }
        entries += 1
        guard entries <= limits.maximumEntries else {
            throw InventoryError.layerOverLimit(
                layer: label, limit: "\(limits.maximumEntries) tar entries per image", reason: "the image's layers have more tar entries")
        }
        guard let rawSize = Self.number(block[124..<136]), rawSize >= 0, rawSize < (1 << 40) else {
            throw InventoryError.badLayer(layer: label, reason: "a tar header has an unreadable size field")
        }
        let size = pendingSize ?? rawSize
        let padding = (512 - size % 512) % 512
        let type = block[156]
        switch type {
        case UInt8(ascii: "L"), UInt8(ascii: "K"):
            try checkHeader(size: size, what: "a GNU long name")
            state = .longName(kind: type, remaining: size, padding: padding)
            return
        case UInt8(ascii: "x"), UInt8(ascii: "g"):
            try checkHeader(size: size, what: "a PAX extended header")
            state = .pax(global: type == UInt8(ascii: "g"), remaining: size, padding: padding)
            return
        default:
            break
        }
        var name = Self.cString(block[0..<100])
        let isUstar = block[257..<262].elementsEqual("ustar".utf8)
        if isUstar {
            let prefix = Self.cString(block[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        let rawPath = pendingPath ?? name
        let link = pendingLink ?? Self.cString(block[157..<257])
        for (what, text) in [("path", rawPath), ("link target", link)] where text.utf8.count > limits.maximumPathBytes {
            throw InventoryError.layerOverLimit(
                layer: label, limit: "\(limits.maximumPathBytes) bytes per path",
                reason: "a member's \(what) is \(text.utf8.count) bytes (starting '\(String(decoding: text.utf8.prefix(60), as: UTF8.self))…')")
        }
        let path = TarEntry.normalise(rawPath)
        pendingPath = nil
        pendingLink = nil
        pendingSize = nil
        let kind: TarEntry.Kind
        switch type {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
        case UInt8(ascii: "1"): kind = .hardlink
        case UInt8(ascii: "2"): kind = .symlink
        case UInt8(ascii: "5"): kind = .directory
        default: kind = .other
        }
        // Only regular files carry contents; other types' size field is skipped as data.
        let entry = TarEntry(path: path, kind: kind, size: kind == .file ? size : 0, linkTarget: link)
        let keep = kind == .file && wants(entry)
        condenser = keep ? condense(entry) : nil
        if keep && condenser == nil && size > Self.maximumKeptSize {
            throw InventoryError.badLayer(
                layer: label, reason: "'\(path)' is \(size) bytes, over the \(Self.maximumKeptSize >> 20) MiB read for a package database")
        }
        if keep && condenser == nil {
            guard size <= limits.maximumKeptBytes - keptBytes else {
                throw InventoryError.layerOverLimit(
                    layer: label, limit: "\(LayerLimits.bytes(limits.maximumKeptBytes)) of file contents kept per image",
                    reason: "'\(path)' (\(size) bytes) comes after \(keptBytes) bytes of package databases and copyright files already kept")
            }
            keptBytes += size
        }
        let dataSize = (kind == .file || kind == .other) ? size : 0
        if dataSize == 0 {
            try found(entry, keep ? try condensed() ?? Data() : nil)
            return
        }
        state = .data(entry, keep: keep, remaining: dataSize, padding: (512 - dataSize % 512) % 512)
    }

    /// The condensed form of the member just streamed (nil when it was kept whole), counted
    /// against the bytes kept per image.
    private func condensed() throws -> Data? {
        guard let current = condenser else { return nil }
        condenser = nil
        let data = current.finish()
        guard data.count <= limits.maximumKeptBytes - keptBytes else {
            throw InventoryError.layerOverLimit(
                layer: label, limit: "\(LayerLimits.bytes(limits.maximumKeptBytes)) of file contents kept per image",
                reason: "what is kept of the copyright files comes after \(keptBytes) bytes of package databases and copyright files already kept")
        }
        keptBytes += data.count
        return data
    }

    private func checkHeader(size: Int, what: String) throws {
        guard size <= limits.maximumHeaderBytes else {
            throw InventoryError.layerOverLimit(
                layer: label, limit: "\(LayerLimits.bytes(limits.maximumHeaderBytes)) per tar header", reason: "\(what) is \(size) bytes")
        }
    }

    /// PAX records: "LEN key=value\n"; only path, linkpath and size matter here.
    private func applyPAX(_ bytes: [UInt8]) {
        var index = 0
        while index < bytes.count {
            var length = 0
            var cursor = index
            while cursor < bytes.count, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39, length < 1 << 21 {
                length = length * 10 + Int(bytes[cursor] - 0x30)
                cursor += 1
            }
            guard length > 0, index + length <= bytes.count, cursor < bytes.count, bytes[cursor] == 0x20 else { return }
            let record = bytes[(cursor + 1)..<(index + length)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                var valueBytes = record[(equals + 1)...]
                if valueBytes.last == 0x0a { valueBytes = valueBytes.dropLast() }
                let value = String(decoding: valueBytes, as: UTF8.self)
                switch key {
                case "path": pendingPath = value
                case "linkpath": pendingLink = value
                case "size": pendingSize = Int(value)
                default: break
                }
            }
            index += length
        }
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// Octal (NUL/space padded) or GNU base-256 (high bit set).
    private static func number(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            var value = Int(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < (1 << 48) else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        var seen = false
        for byte in field {
            if byte == 0 || byte == 0x20 {
                if seen { break } else { continue }
            }
            guard byte >= 0x30, byte <= 0x37, value < (1 << 48) else { return nil }
            value = value * 8 + Int(byte - 0x30)
            seen = true
        }
        return value
    }

    private static func checksumMatches(_ block: [UInt8]) -> Bool {
        guard let stored = number(block[148..<156]) else { return false }
        var unsigned = 0
        for (index, byte) in block.enumerated() { unsigned += (148..<156).contains(index) ? 0x20 : Int(byte) }
        return stored == unsigned
    }
}
