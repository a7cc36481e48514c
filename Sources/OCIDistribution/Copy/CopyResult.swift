/// What an image copy did.
package struct CopyResult: Sendable, Equatable, Codable {
    /// Digest and media type of the top-level manifest or index copied.
    package var digest: Digest
    package var mediaType: String
    package var source: String
    package var destination: String
    /// The registry the image was read from: the source's own, or the mirror used instead.
    package var sourceRegistryUsed: String?
    package var manifestsCopied = 0
    package var blobsUploaded = 0
    package var blobsMounted = 0
    /// Blobs the destination already had.
    package var blobsSkipped = 0
    package var blobsDownloaded = 0
    package var bytesUploaded: Int64 = 0
    package var bytesDownloaded: Int64 = 0

    package init(digest: Digest, mediaType: String, source: String, destination: String, sourceRegistryUsed: String? = nil) {
        self.digest = digest
        self.mediaType = mediaType
        self.source = source
        self.destination = destination
        self.sourceRegistryUsed = sourceRegistryUsed
    }
}
