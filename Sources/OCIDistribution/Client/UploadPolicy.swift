/// How blobs are uploaded: one PUT for small blobs, chunked PATCHes for big ones so no single
/// request carries a whole large layer (and times out).
public struct UploadPolicy: Sendable, Equatable {
    /// Blobs up to this size go in a single PUT.
    public var monolithicLimit: Int64
    /// PATCH size for larger blobs (raised to the registry's `OCI-Chunk-Min-Length` if needed).
    public var chunkSize: Int64

    public init(monolithicLimit: Int64 = 16 << 20, chunkSize: Int64 = 64 << 20) {
        self.monolithicLimit = monolithicLimit
        self.chunkSize = chunkSize
    }

    public static let `default` = UploadPolicy()
}
