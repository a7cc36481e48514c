import SystemSupport

/// Why a ``StreamingDownload`` did not land. In every case nothing of it was kept on disk.
package enum DownloadError: Error, Sendable, Equatable, DescribedError {
    /// The body outgrew the limit; the transfer stopped at the first buffer past it.
    case tooLarge(url: String, limit: Int64, received: Int64)
    /// The body ended (or broke off) before the length the server or the caller declared.
    case truncated(url: String, expected: Int64, received: Int64, reason: String)
    /// The body went on past the length declared for it.
    case longerThanDeclared(url: String, expected: Int64, received: Int64)
    /// The transfer broke off with no declared length to compare against.
    case interrupted(url: String, received: Int64, reason: String)
    case digestMismatch(url: String, expected: Digest, actual: Digest)
    /// The whole download did not finish within `limit`.
    case timedOut(url: String, limit: Duration)
    case localFile(path: String, reason: String)

    /// The bytes that had arrived when the download stopped (0 for a local file problem).
    package var received: Int64 {
        switch self {
        case let .tooLarge(_, _, received), let .truncated(_, _, received, _), let .longerThanDeclared(_, _, received),
            let .interrupted(_, received, _):
            received
        case .digestMismatch, .timedOut, .localFile: 0
        }
    }

    /// What went wrong, without the URL.
    package var reason: String {
        switch self {
        case let .truncated(_, _, _, reason), let .interrupted(_, _, reason), let .localFile(_, reason): reason
        case let .timedOut(_, limit): "it did not finish within \(limit.formattedSeconds)"
        case .tooLarge, .longerThanDeclared, .digestMismatch: description
        }
    }

    package var description: String {
        switch self {
        case let .tooLarge(url, limit, received):
            "the download from \(url) is larger than \(limit) bytes (\(received) received); stopped, nothing was kept"
        case let .truncated(url, expected, received, reason):
            "the download from \(url) stopped after \(received) of \(expected) bytes (\(reason)); nothing was kept, try again"
        case let .longerThanDeclared(url, expected, received):
            "the download from \(url) sent \(received) bytes, more than the \(expected) declared; stopped, nothing was kept"
        case let .interrupted(url, received, reason):
            "the download from \(url) broke off after \(received) bytes (\(reason)); nothing was kept, try again"
        case let .digestMismatch(url, expected, actual):
            "the download from \(url) has digest \(actual), expected \(expected); nothing was kept (the server sent other content)"
        case let .timedOut(url, limit):
            "the download from \(url) did not finish within \(limit.formattedSeconds); nothing was kept, check the network and try again"
        case let .localFile(path, reason):
            "\(path): \(reason)"
        }
    }
}
