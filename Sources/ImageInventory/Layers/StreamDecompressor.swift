internal import CZlib
internal import CZstd
import Foundation

/// A push decoder: compressed bytes in, plain bytes out through `emit`.
protocol StreamDecompressor: AnyObject {
    func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws
    /// Called after the last input; throws when the stream ended early.
    func finish() throws
}

/// The layer's compression, told by its first bytes rather than its media type: registries
/// and tools disagree on media types, never on magic numbers.
enum LayerCompression: Sendable, Equatable {
    case none, gzip, zstd

    static func detect(_ prefix: Data) -> LayerCompression {
        let bytes = [UInt8](prefix.prefix(4))
        if bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b { return .gzip }
        if bytes.count >= 4, bytes == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
        return .none
    }
}

/// Passes bytes through unchanged (uncompressed tar layers).
final class IdentityDecompressor: StreamDecompressor {
    func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws { try emit(input) }
    func finish() throws {}
}

/// zlib inflate. `windowBits` 15+32 reads gzip (and zlib) headers; -15 reads raw deflate (zip).
/// Concatenated gzip members are read on (as gzip(1) does).
final class ZlibDecompressor: StreamDecompressor {
    private var stream = z_stream()
    private var output: [UInt8]
    private var ended = false
    private let raw: Bool
    private let label: String

    /// `bufferSize`: output chunk size; small for small zip members (a fresh 128 KiB buffer
    /// per 1 KiB record was most of an export's load time).
    init(raw: Bool, label: String, bufferSize: Int = 1 << 17) throws(InventoryError) {
        self.raw = raw
        self.label = label
        output = [UInt8](repeating: 0, count: max(1024, bufferSize))
        let status = inflateInit2_(&stream, raw ? -15 : 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .badLayer(layer: label, reason: "zlib could not start (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    var isFinished: Bool { ended }

    func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var offset = 0
        while offset < input.count {
            if ended {
                // Another gzip member follows; a raw stream has nothing after its end.
                if raw { return }
                inflateReset(&stream)
                ended = false
            }
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self) + offset)
            stream.avail_in = uInt(input.count - offset)
            while true {
                let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = output.count - Int(stream.avail_out)
                if produced > 0 { try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
                if status == Z_STREAM_END {
                    ended = true
                    break
                }
                if status == Z_BUF_ERROR { break }
                guard status == Z_OK else {
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw InventoryError.badLayer(layer: label, reason: "corrupt deflate data: \(message)")
                }
                if stream.avail_in == 0 && stream.avail_out != 0 { break }
            }
            offset = input.count - Int(stream.avail_in)
            if !ended { break }
        }
    }

    func finish() throws {
        guard ended else { throw InventoryError.badLayer(layer: label, reason: "the compressed stream ends early (truncated)") }
    }
}

/// zstd streaming decompression (ZSTD_decompressStream); frames may be concatenated.
final class ZstdDecompressor: StreamDecompressor {
    private let context: OpaquePointer
    private var output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
    private var inFrame = false
    private let label: String

    init(label: String) throws(InventoryError) {
        self.label = label
        guard let context = ZSTD_createDCtx() else { throw .badLayer(layer: label, reason: "zstd could not start") }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    func feed(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var inBuffer = ZSTD_inBuffer(src: base, size: input.count, pos: 0)
        while inBuffer.pos < inBuffer.size {
            var produced = 0
            var remaining = 0
            output.withUnsafeMutableBytes { out in
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                remaining = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                produced = outBuffer.pos
            }
            if ZSTD_isError(remaining) != 0 {
                throw InventoryError.badLayer(layer: label, reason: "corrupt zstd data: \(String(cString: ZSTD_getErrorName(remaining)))")
            }
            inFrame = remaining != 0
            if produced > 0 { try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
        }
        // Drain what the decoder still holds for a full output buffer.
        while inFrame {
            var produced = 0
            var remaining = 0
            var empty = ZSTD_inBuffer(src: base, size: 0, pos: 0)
            output.withUnsafeMutableBytes { out in
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                remaining = ZSTD_decompressStream(context, &outBuffer, &empty)
                produced = outBuffer.pos
            }
            if ZSTD_isError(remaining) != 0 {
                throw InventoryError.badLayer(layer: label, reason: "corrupt zstd data: \(String(cString: ZSTD_getErrorName(remaining)))")
            }
            if produced == 0 { break }
            try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
        }
    }

    func finish() throws {
        if inFrame { throw InventoryError.badLayer(layer: label, reason: "the zstd stream ends early (truncated)") }
    }
}
