import Foundation
import SystemSupport

/// A problem with an OCI image layout directory, naming the directory and file.
package enum OCILayoutError: Error, Equatable, Sendable, DescribedError {
    case notALayout(directory: String)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case invalidIndex(path: String, reason: String)
    case tagNotFound(directory: String, tag: String, available: [String])
    case ambiguousTag(directory: String, count: Int)
    case blobMissing(directory: String, digest: String)
    case blobCorrupt(path: String, expected: String, actual: String)

    package var description: String {
        switch self {
        case let .notALayout(directory):
            return
                "\(directory) is not an OCI image layout (no oci-layout file); export one with `buildah push IMAGE oci:\(directory):TAG` or `skopeo copy … oci:\(directory):TAG`"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .unwritable(path, reason):
            return "cannot write \(path): \(reason)"
        case let .invalidIndex(path, reason):
            return "\(path) is not a valid OCI index: \(reason)"
        case let .tagNotFound(directory, tag, available):
            let list = available.isEmpty ? "it names no tags" : "tags present: \(available.joined(separator: ", "))"
            return "oci:\(directory) has no image tagged '\(tag)'; \(list)"
        case let .ambiguousTag(directory, count):
            return "oci:\(directory) holds \(count) images; name one with oci:\(directory):TAG"
        case let .blobMissing(directory, digest):
            return "oci:\(directory) lacks blob \(digest) (blobs/\(digest.replacingOccurrences(of: ":", with: "/"))); the layout is incomplete"
        case let .blobCorrupt(path, expected, actual):
            return "\(path) hashes to \(actual), not \(expected); the layout is corrupt"
        }
    }

}
