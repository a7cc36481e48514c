/// How blobs are uploaded: one PUT for small blobs, chunked PATCHes for big ones so no single
/// request carries a whole large layer (and times out).
package struct UploadPolicy: Sendable, Equatable {
    /// Blobs up to this size go in a single PUT.
    package var monolithicLimit: Int64
    /// PATCH size for larger blobs (raised to the registry's `OCI-Chunk-Min-Length` if needed).
    package var chunkSize: Int64

    package init(monolithicLimit: Int64 = 16 << 20, chunkSize: Int64 = 64 << 20) {
        self.monolithicLimit = monolithicLimit
        self.chunkSize = chunkSize
    }

    package static let `default` = UploadPolicy()
}
