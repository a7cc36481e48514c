import Foundation
import NIOCore

/// A byte range of a file as an async sequence of buffers, read with `pread` so upload bodies
/// stream from disk and never hold a whole blob in memory. Each iteration opens its own
/// descriptor, so a request body can be recreated for a retry.
struct FileRangeBytes: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let offset: Int64
    let length: Int64
    let chunkSize: Int
    /// Called with the running count of bytes handed to the HTTP client.
    let onRead: (@Sendable (Int64) -> Void)?

    init(path: String, offset: Int64, length: Int64, chunkSize: Int = 1 << 20, onRead: (@Sendable (Int64) -> Void)? = nil) {
        self.path = path
        self.offset = offset
        self.length = length
        self.chunkSize = chunkSize
        self.onRead = onRead
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(source: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        let source: FileRangeBytes
        var descriptor: OpenFile?
        var position: Int64 = 0

        init(source: FileRangeBytes) {
            self.source = source
        }

        mutating func next() async throws -> ByteBuffer? {
            guard position < source.length else {
                descriptor = nil
                return nil
            }
            if descriptor == nil { descriptor = try OpenFile(path: source.path) }
            guard let file = descriptor else { return nil }
            let wanted = Int(Swift.min(Int64(source.chunkSize), source.length - position))
            var buffer = ByteBufferAllocator().buffer(capacity: wanted)
            let fileOffset = source.offset + position
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer.prefix(wanted)), at: fileOffset)
            }
            guard count > 0 else {
                throw RegistryError.localFile(
                    path: source.path, reason: "file ended at \(fileOffset) bytes, expected \(source.offset + source.length); was it changed during the upload?"
                )
            }
            position += Int64(count)
            source.onRead?(position)
            return buffer
        }
    }
}

/// A read-only file descriptor closed on deinit.
final class OpenFile: @unchecked Sendable {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw RegistryError.localFile(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
    }

    /// Fills as much of `buffer` as the file has from `offset` (short only at end of file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var total = 0
        while total < buffer.count {
            guard let base = buffer.baseAddress else { break }
            let n = pread(fd, base + total, buffer.count - total, off_t(offset) + off_t(total))
            if n < 0 {
                if errno == EINTR { continue }
                throw RegistryError.localFile(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            total += n
        }
        return total
    }

    deinit { close(fd) }
}
