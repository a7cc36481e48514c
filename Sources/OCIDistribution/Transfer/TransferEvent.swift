/// UI-neutral progress of blob transfers; front ends render these (bars on a TTY, lines otherwise).
package enum TransferEvent: Sendable, Equatable {
    case blobStarted(digest: Digest, total: Int64?)
    case blobProgress(digest: Digest, done: Int64, total: Int64?)
    case blobFinished(digest: Digest, outcome: BlobTransferOutcome)
    case manifestPushed(digest: Digest, reference: String)
}

/// How one blob transfer ended.
package enum BlobTransferOutcome: Sendable, Equatable {
    case pushed(BlobPushOutcome)
    case downloaded(bytes: Int64)
    case alreadyPresent
}

/// What `pushBlob` had to do.
package enum BlobPushOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The registry already had the blob in this repository: no bytes sent.
    case existed
    /// Cross-repository mount from the named repository: no bytes sent.
    case mounted(from: RepositoryName)
    case uploaded(bytes: Int64)

    package var description: String {
        switch self {
        case .existed: return "exists"
        case let .mounted(from): return "mounted from \(from)"
        case let .uploaded(bytes): return "uploaded \(bytes) bytes"
        }
    }
}

package typealias TransferProgressHandler = @Sendable (TransferEvent) -> Void

/// What a client has moved since it was created.
package struct TransferCounters: Sendable, Equatable, Codable {
    package var requests = 0
    package var retries = 0
    package var blobBytesUploaded: Int64 = 0
    package var blobBytesDownloaded: Int64 = 0
    package var blobsUploaded = 0
    package var blobsDownloaded = 0
    package var blobsMounted = 0
    /// Blobs not sent because the registry already had them.
    package var blobsSkipped = 0
    package var manifestsPushed = 0

    package init() {}

    /// Field-wise sum, e.g. over several registries' clients.
    package static func + (lhs: TransferCounters, rhs: TransferCounters) -> TransferCounters {
        lhs.combined(with: rhs, by: +)
    }

    /// Field-wise difference: what happened between two readings of the same client.
    package static func - (lhs: TransferCounters, rhs: TransferCounters) -> TransferCounters {
        lhs.combined(with: rhs, by: -)
    }

    private func combined(with other: TransferCounters, by operation: (Int64, Int64) -> Int64) -> TransferCounters {
        func int(_ a: Int, _ b: Int) -> Int { Int(operation(Int64(a), Int64(b))) }
        var result = TransferCounters()
        result.requests = int(requests, other.requests)
        result.retries = int(retries, other.retries)
        result.blobBytesUploaded = operation(blobBytesUploaded, other.blobBytesUploaded)
        result.blobBytesDownloaded = operation(blobBytesDownloaded, other.blobBytesDownloaded)
        result.blobsUploaded = int(blobsUploaded, other.blobsUploaded)
        result.blobsDownloaded = int(blobsDownloaded, other.blobsDownloaded)
        result.blobsMounted = int(blobsMounted, other.blobsMounted)
        result.blobsSkipped = int(blobsSkipped, other.blobsSkipped)
        result.manifestsPushed = int(manifestsPushed, other.manifestsPushed)
        return result
    }
}
