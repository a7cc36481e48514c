import Foundation

/// Writes small zip archives (stored or deflated members) for tests, per PKWARE's APPNOTE.
enum ZipBuilder {
    static func archive(_ members: [(name: String, data: Data)], deflate: Bool = true) -> Data {
        var output = Data()
        var central = Data()
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8 & 0xff)] }
        func le32(_ value: Int) -> [UInt8] { le16(value & 0xffff) + le16(value >> 16 & 0xffff) }
        for member in members {
            let stored = deflate ? TarBuilder.rawDeflate(member.data) : member.data
            let crc = Int(TarBuilder.crc32(member.data))
            let name = Array(member.name.utf8)
            let offset = output.count
            let method = deflate ? 8 : 0
            output.append(contentsOf: le32(0x0403_4b50) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0))
            output.append(contentsOf: le32(crc) + le32(stored.count) + le32(member.data.count) + le16(name.count) + le16(0))
            output.append(contentsOf: name)
            output.append(stored)
            central.append(contentsOf: le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(method) + le16(0) + le16(0))
            central.append(contentsOf: le32(crc) + le32(stored.count) + le32(member.data.count) + le16(name.count) + le16(0) + le16(0))
            central.append(contentsOf: le16(0) + le16(0) + le32(0) + le32(offset))
            central.append(contentsOf: name)
        }
        let centralOffset = output.count
        output.append(central)
        output.append(contentsOf: le32(0x0605_4b50) + le16(0) + le16(0) + le16(members.count) + le16(members.count))
        output.append(contentsOf: le32(central.count) + le32(centralOffset) + le16(0))
        return output
    }

    /// The fixture advisories of one folder (Tests/Fixtures/osv/NAME) as an osv.dev-style export.
    static func fixtureExport(_ folder: String) throws -> Data {
        let directory = TestLayout.fixtures.appendingPathComponent("osv/\(folder)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return archive(try names.map { ($0, try Data(contentsOf: directory.appendingPathComponent($0))) })
    }
}
