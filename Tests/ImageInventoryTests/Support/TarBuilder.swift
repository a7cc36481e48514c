import CZlib
import CZstd
import Crypto
import Foundation

/// Writes small ustar archives for tests (regular files, directories, symlinks, hard links,
/// PAX long paths), and gzip/zstd-compresses them — independent of the reader under test.
struct TarBuilder {
    private(set) var data = Data()

    enum Member {
        case file(String, String)
        case directory(String)
        case symlink(String, target: String)
        case hardlink(String, target: String)
    }

    init(_ members: [Member] = []) {
        for member in members { add(member) }
    }

    mutating func add(_ member: Member) {
        switch member {
        case let .file(path, text): addEntry(path: path, type: "0", contents: Data(text.utf8))
        case let .directory(path): addEntry(path: path, type: "5", contents: Data())
        case let .symlink(path, target): addEntry(path: path, type: "2", contents: Data(), link: target)
        case let .hardlink(path, target): addEntry(path: path, type: "1", contents: Data(), link: target)
        }
    }

    /// The archive with its two closing zero blocks.
    var archive: Data { data + Data(count: 1024) }

    private mutating func addEntry(path: String, type: Character, contents: Data, link: String = "") {
        if path.utf8.count > 99 {
            // PAX extended header carrying the long path.
            let record = { (value: String) -> String in
                let body = " path=\(value)\n"
                var length = body.utf8.count + 1
                while "\(length)\(body)".utf8.count != length { length += 1 }
                return "\(length)\(body)"
            }(path)
            appendHeader(name: "PaxHeaders/x", type: "x", size: record.utf8.count, link: "")
            appendPadded(Data(record.utf8))
            appendHeader(name: String(path.suffix(90)), type: type, size: contents.count, link: link)
        } else {
            appendHeader(name: path, type: type, size: contents.count, link: link)
        }
        appendPadded(contents)
    }

    private mutating func appendPadded(_ contents: Data) {
        data.append(contents)
        let padding = (512 - contents.count % 512) % 512
        data.append(Data(count: padding))
    }

    private mutating func appendHeader(name: String, type: Character, size: Int, link: String) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        put(name, at: 0, length: 100)
        put("0000644", at: 100, length: 8)
        put("0000000", at: 108, length: 8)
        put("0000000", at: 116, length: 8)
        put(String(format: "%011o", size), at: 124, length: 12)
        put("14000000000", at: 136, length: 12)
        put("        ", at: 148, length: 8)
        header[156] = type.asciiValue ?? 0x30
        put(link, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", sum), at: 148, length: 6)
        header[154] = 0
        header[155] = 0x20
        data.append(contentsOf: header)
    }

    /// A gzip stream (for layers).
    static func gzip(_ data: Data) -> Data { deflate(data, windowBits: 15 + 16) }

    /// Raw deflate (for zip members).
    static func rawDeflate(_ data: Data) -> Data { deflate(data, windowBits: -15) }

    /// zlib's deflate in one call; `windowBits` picks the framing (zlib's documented encoding).
    private static func deflate(_ data: Data, windowBits: Int32) -> Data {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        var input = [UInt8](data)
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                CZlib.deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Data(output[0..<produced])
    }

    static func zstd(_ data: Data) -> Data {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
        let size = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in ZSTD_compress(out.baseAddress, out.count, input.baseAddress, input.count, 3) }
        }
        return Data(output[0..<size])
    }

    static func crc32(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { UInt32(CZlib.crc32(0, $0.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt($0.count))) }
    }
}

/// Writes an OCI image layout with one image (or an index of several) for tests.
enum TestLayout {
    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @discardableResult
    static func writeBlob(_ data: Data, in directory: URL) throws -> String {
        let hex = sha256(data)
        let blobs = directory.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try data.write(to: blobs.appendingPathComponent(hex))
        return "sha256:\(hex)"
    }

    /// Returns the manifest descriptor JSON object for an image of `layers` (already compressed).
    static func image(_ layers: [Data], architecture: String = "amd64", in directory: URL) throws -> [String: Any] {
        let config = try JSONSerialization.data(withJSONObject: [
            "architecture": architecture, "os": "linux", "rootfs": ["type": "layers", "diff_ids": [String]()],
        ])
        let configDigest = try writeBlob(config, in: directory)
        var layerDescriptors: [[String: Any]] = []
        for layer in layers {
            layerDescriptors.append([
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": try writeBlob(layer, in: directory), "size": layer.count,
            ])
        }
        let manifest = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest, "size": config.count],
            "layers": layerDescriptors,
        ])
        return [
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": try writeBlob(manifest, in: directory), "size": manifest.count,
            "platform": ["os": "linux", "architecture": architecture],
        ]
    }

    static func write(index entries: [[String: Any]], tag: String, in directory: URL) throws {
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: directory.appendingPathComponent("oci-layout"))
        var top = entries
        if entries.count > 1 {
            let index = try JSONSerialization.data(withJSONObject: [
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries,
            ])
            top = [["mediaType": "application/vnd.oci.image.index.v1+json", "digest": try writeBlob(index, in: directory), "size": index.count]]
        }
        top[0]["annotations"] = ["org.opencontainers.image.ref.name": tag]
        top[0]["platform"] = nil
        try JSONSerialization.data(withJSONObject: ["schemaVersion": 2, "manifests": top]).write(to: directory.appendingPathComponent("index.json"))
    }

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("inventory-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The repository's Tests/Fixtures directory.
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }
}
