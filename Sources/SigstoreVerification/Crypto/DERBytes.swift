/// The minimum of DER needed to edit a TBSCertificate (RFC 6962 §3.2: the SCT signs the
/// precertificate's TBS, which is the certificate's TBS without the SCT list extension).
enum DERBytes {
    struct Element {
        var tag: UInt8
        /// The whole element, header included.
        var encoded: ArraySlice<UInt8>
        var content: ArraySlice<UInt8>
    }

    struct Malformed: Error {}

    /// The elements one after another in `bytes` (single-byte tags only, as X.509 uses).
    static func elements(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> [Element] {
        var result: [Element] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let start = index
            let tag = bytes[index]
            guard tag & 0x1F != 0x1F else { throw Malformed() }
            index += 1
            guard index < bytes.endIndex else { throw Malformed() }
            var length = Int(bytes[index])
            index += 1
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard count >= 1, count <= 4, bytes.endIndex - index >= count else { throw Malformed() }
                length = 0
                for _ in 0..<count {
                    length = length << 8 | Int(bytes[index])
                    index += 1
                }
            }
            guard bytes.endIndex - index >= length else { throw Malformed() }
            result.append(Element(tag: tag, encoded: bytes[start..<(index + length)], content: bytes[index..<(index + length)]))
            index += length
        }
        return result
    }

    static func encode(tag: UInt8, content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        let length = content.count
        if length < 0x80 {
            out.append(UInt8(length))
        } else {
            var lengthBytes: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                lengthBytes.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            out.append(0x80 | UInt8(lengthBytes.count))
            out += lengthBytes
        }
        return out + content
    }

    /// `tbs` (a DER TBSCertificate) with the extension whose OID content is `oid` removed.
    static func removingExtension(oid: [UInt8], fromTBS tbs: ArraySlice<UInt8>) throws(Malformed) -> [UInt8] {
        guard let outer = try elements(tbs).first, outer.tag == 0x30 else { throw Malformed() }
        var content: [UInt8] = []
        for field in try elements(outer.content) {
            guard field.tag == 0xA3 else {
                content += field.encoded
                continue
            }
            guard let list = try elements(field.content).first, list.tag == 0x30 else { throw Malformed() }
            var kept: [UInt8] = []
            for ext in try elements(list.content) {
                guard let extOID = try elements(ext.content).first, extOID.tag == 0x06 else { throw Malformed() }
                if Array(extOID.content) != oid { kept += ext.encoded }
            }
            content += encode(tag: 0xA3, content: encode(tag: 0x30, content: kept))
        }
        return encode(tag: 0x30, content: content)
    }
}
