internal import CZlib
import Foundation
import SystemSupport

/// A small reader for the zip exports osv.dev publishes (`ECOSYSTEM/all.zip`): stored and
/// deflated members, zip64 sizes and counts, CRC-32 checked.
///
/// Own code over zlib rather than ZIPFoundation: the package already links zlib for
/// layers, reading (not writing) needs ~150 lines, and it avoids a dependency that could
/// not be resolved in an offline build here.
package struct ZipArchive: Sendable {
    package struct Member: Sendable, Hashable {
        package var name: String
        package var method: UInt16
        package var crc32: UInt32
        package var compressedSize: Int
        package var uncompressedSize: Int
        package var localHeaderOffset: Int
    }

    package let members: [Member]
    private let data: Data
    private let file: String

    /// Largest member read into memory (advisories are kilobytes).
    package static let maximumMemberSize = 64 << 20
    /// Most members an archive may list (osv.dev's largest export has a few hundred thousand).
    package static let maximumMembers = 1_000_000
    /// Most bytes all members may inflate to together.
    package static let maximumTotalInflated = 8 << 30

    package init(data: Data, file: String) throws(InventoryError) {
        self.data = data
        self.file = file
        members = try Self.centralDirectory(data, file: file)
    }

    package init(contentsOf url: URL) throws(InventoryError) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw .localFile(path: url.path, reason: "cannot read: \(describe(error))")
        }
        try self.init(data: data, file: url.path)
    }

    private static func fail(_ file: String, _ reason: String) -> InventoryError { .badArchive(file: file, reason: reason) }

    private static func u16(_ data: Data, _ offset: Int) -> Int? {
        guard offset >= 0, offset + 2 <= data.count else { return nil }
        let base = data.startIndex + offset
        return Int(data[base]) | Int(data[base + 1]) << 8
    }

    private static func u32(_ data: Data, _ offset: Int) -> Int? {
        guard let low = u16(data, offset), let high = u16(data, offset + 2) else { return nil }
        return low | high << 16
    }

    private static func u64(_ data: Data, _ offset: Int) -> Int? {
        guard let low = u32(data, offset), let high = u32(data, offset + 4), high < (1 << 30) else { return nil }
        return low | high << 32
    }

    private static func centralDirectory(_ data: Data, file: String) throws(InventoryError) -> [Member] {
        // End of central directory: 22 bytes plus a comment of at most 65535.
        var eocd = -1
        var position = data.count - 22
        let lowest = max(0, data.count - 22 - 65_535)
        while position >= lowest {
            if u32(data, position) == 0x0605_4b50 {
                eocd = position
                break
            }
            position -= 1
        }
        guard eocd >= 0, var count = u16(data, eocd + 10), var offset = u32(data, eocd + 16) else {
            throw fail(file, "no end-of-central-directory record")
        }
        if count == 0xFFFF || offset == 0xFFFF_FFFF {
            // zip64: the locator sits just before the classic record.
            guard u32(data, eocd - 20) == 0x0706_4b50, let record = u64(data, eocd - 12), u32(data, record) == 0x0606_4b50,
                let count64 = u64(data, record + 32), let offset64 = u64(data, record + 48)
            else { throw fail(file, "a zip64 archive without a readable zip64 end record") }
            count = count64
            offset = offset64
        }
        var members: [Member] = []
        members.reserveCapacity(min(count, 1 << 20))
        var cursor = offset
        for _ in 0..<count {
            guard u32(data, cursor) == 0x0201_4b50, let flags = u16(data, cursor + 8), let method = u16(data, cursor + 10),
                let crc = u32(data, cursor + 16), var compressed = u32(data, cursor + 20), var uncompressed = u32(data, cursor + 24),
                let nameLength = u16(data, cursor + 28), let extraLength = u16(data, cursor + 30), let commentLength = u16(data, cursor + 32),
                var local = u32(data, cursor + 42), cursor + 46 + nameLength + extraLength <= data.count
            else { throw fail(file, "a central directory entry at byte \(cursor) is damaged") }
            if flags & 1 != 0 { throw fail(file, "encrypted members are not supported") }
            let nameStart = data.startIndex + cursor + 46
            let name = String(decoding: data[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            // zip64 extra field (0x0001) holds the sizes/offset that overflowed, in order.
            var extra = cursor + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd, let tag = u16(data, extra), let size = u16(data, extra + 2) {
                if tag == 1 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF, let value = u64(data, field) {
                        uncompressed = value
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF, let value = u64(data, field) {
                        compressed = value
                        field += 8
                    }
                    if local == 0xFFFF_FFFF, let value = u64(data, field) { local = value }
                }
                extra += 4 + size
            }
            members.append(
                Member(
                    name: name, method: UInt16(method), crc32: UInt32(crc), compressedSize: compressed, uncompressedSize: uncompressed,
                    localHeaderOffset: local))
            cursor += 46 + nameLength + extraLength + commentLength
        }
        try checkBudget(members, data, file: file)
        return members
    }

    /// Refuses members whose data overlap (one compressed stream listed many times is how a
    /// small zip inflates to gigabytes), and archives past the member and inflated-size caps.
    private static func checkBudget(_ members: [Member], _ data: Data, file: String) throws(InventoryError) {
        guard members.count <= maximumMembers else {
            throw fail(file, "it lists \(members.count) members, over the limit of \(maximumMembers)")
        }
        var total = 0
        var spans: [(start: Int, end: Int, name: String)] = []
        spans.reserveCapacity(members.count)
        for member in members {
            total += member.uncompressedSize
            guard total <= maximumTotalInflated else {
                throw fail(file, "its members inflate to more than \(maximumTotalInflated >> 30) GiB together, the most read")
            }
            guard let nameLength = u16(data, member.localHeaderOffset + 26), let extraLength = u16(data, member.localHeaderOffset + 28) else {
                throw fail(file, "the local header of \(member.name) is damaged")
            }
            spans.append((member.localHeaderOffset, member.localHeaderOffset + 30 + nameLength + extraLength + member.compressedSize, member.name))
        }
        spans.sort { $0.start < $1.start }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.start < previous.end {
            throw fail(file, "members \(previous.name) and \(next.name) overlap (a zip bomb or a damaged archive); refusing it")
        }
    }

    /// A member's bytes, inflated and CRC-checked.
    package func contents(of member: Member) throws(InventoryError) -> Data {
        guard member.uncompressedSize <= Self.maximumMemberSize else {
            throw Self.fail(file, "\(member.name) is \(member.uncompressedSize) bytes, over the \(Self.maximumMemberSize >> 20) MiB limit")
        }
        guard Self.u32(data, member.localHeaderOffset) == 0x0403_4b50, let nameLength = Self.u16(data, member.localHeaderOffset + 26),
            let extraLength = Self.u16(data, member.localHeaderOffset + 28)
        else { throw Self.fail(file, "the local header of \(member.name) is damaged") }
        let start = member.localHeaderOffset + 30 + nameLength + extraLength
        guard start >= 0, member.compressedSize >= 0, start + member.compressedSize <= data.count else {
            throw Self.fail(file, "\(member.name) runs past the end of the archive (truncated download?)")
        }
        let compressed = data[(data.startIndex + start)..<(data.startIndex + start + member.compressedSize)]
        let output: Data
        switch member.method {
        case 0:
            output = Data(compressed)
        case 8:
            var inflated = Data()
            inflated.reserveCapacity(member.uncompressedSize)
            do {
                let decompressor = try ZlibDecompressor(
                    raw: true, label: "\(file): \(member.name)", bufferSize: min(1 << 17, member.uncompressedSize + 64))
                try compressed.withUnsafeBytes { bytes in
                    try decompressor.feed(bytes) { chunk in
                        // The declared size is the cap: the total budget is checked on declared
                        // sizes when the archive is opened, so no member may exceed its own.
                        guard inflated.count + chunk.count <= member.uncompressedSize else {
                            throw Self.fail(file, "\(member.name) inflates past its declared size")
                        }
                        inflated.append(contentsOf: chunk)
                    }
                }
                try decompressor.finish()
            } catch let error as InventoryError {
                if case .badArchive = error { throw error }
                throw Self.fail(file, "\(member.name): \(error.description)")
            } catch {
                throw Self.fail(file, "\(member.name): \(describe(error))")
            }
            output = inflated
        default:
            throw Self.fail(file, "\(member.name) uses compression method \(member.method) (only stored and deflate are read)")
        }
        let crc = output.withUnsafeBytes { bytes -> UInt32 in
            UInt32(CZlib.crc32(0, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
        }
        guard crc == member.crc32, output.count == member.uncompressedSize else {
            throw Self.fail(file, "\(member.name) fails its CRC-32/size check (corrupt)")
        }
        return output
    }
}
