#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes all of `bytes` to `descriptor`, going on after short writes and EINTR: the one
/// write loop of the package (atomic files, partial downloads).
/// - Parameters:
///   - descriptor: an open, writable file descriptor.
///   - bytes: what to write.
/// - Returns: nil once everything is written, else the `errno` of the failed write.
package func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    guard let base = bytes.baseAddress else { return nil }
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, base + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return nil
}
