/// What reading one image's layers may cost at most; going over any of these is a
/// `InventoryError.layerOverLimit` naming the layer and the limit, never an unbounded read.
package struct LayerLimits: Sendable, Hashable {
    /// Tar headers (members, PAX and GNU long-name headers) over all layers of the image.
    package var maximumEntries: Int
    /// Bytes out of the decompressor over all layers of the image.
    package var maximumDecompressedBytes: Int
    /// File contents kept in memory (package databases, copyright and licence text, os-release)
    /// over all layers of the image.
    package var maximumKeptBytes: Int
    /// One PAX extended header or GNU long name/link body.
    package var maximumHeaderBytes: Int
    /// One member's path or link target, in UTF-8 bytes (Linux's PATH_MAX).
    package var maximumPathBytes: Int

    package init(
        maximumEntries: Int = 2_000_000, maximumDecompressedBytes: Int = 64 << 30, maximumKeptBytes: Int = 256 << 20,
        maximumHeaderBytes: Int = 64 << 10, maximumPathBytes: Int = 4096
    ) {
        self.maximumEntries = maximumEntries
        self.maximumDecompressedBytes = maximumDecompressedBytes
        self.maximumKeptBytes = maximumKeptBytes
        self.maximumHeaderBytes = maximumHeaderBytes
        self.maximumPathBytes = maximumPathBytes
    }

    package static let standard = LayerLimits()

    /// `1048576` → "1 MiB", `65536` → "64 KiB", else the byte count.
    static func bytes(_ count: Int) -> String {
        if count >= 1 << 30, count % (1 << 30) == 0 { return "\(count >> 30) GiB" }
        if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count >= 1 << 10, count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        return "\(count) bytes"
    }
}
