/// What an image copy did.
public struct CopyResult: Sendable, Equatable, Codable {
    /// Digest and media type of the top-level manifest or index copied.
    public var digest: Digest
    public var mediaType: String
    public var source: String
    public var destination: String
    /// The registry the image was read from: the source's own, or the mirror used instead.
    public var sourceRegistryUsed: String?
    public var manifestsCopied = 0
    public var blobsUploaded = 0
    public var blobsMounted = 0
    /// Blobs the destination already had.
    public var blobsSkipped = 0
    public var blobsDownloaded = 0
    public var bytesUploaded: Int64 = 0
    public var bytesDownloaded: Int64 = 0

    public init(digest: Digest, mediaType: String, source: String, destination: String, sourceRegistryUsed: String? = nil) {
        self.digest = digest
        self.mediaType = mediaType
        self.source = source
        self.destination = destination
        self.sourceRegistryUsed = sourceRegistryUsed
    }
}
