import Foundation
import SystemSupport

/// Where an image is: a registry reference (`docker://REF`) or an OCI layout (`oci:DIR[:TAG]`),
/// spelled as skopeo spells them.
package enum ImageLocation: Sendable, Hashable, CustomStringConvertible {
    case registry(ImageReference)
    case ociLayout(directory: URL, tag: String?)

    package init(parsing text: String) throws(ImageLocationError) {
        if text.hasPrefix("docker://") {
            let rest = String(text.dropFirst("docker://".count))
            do { self = .registry(try ImageReference(parsing: rest)) } catch {
                throw .invalidReference(text, reason: error.description)
            }
            return
        }
        if text.hasPrefix("oci:") {
            var path = String(text.dropFirst("oci:".count))
            var tag: String?
            // The last ':' starts a tag only if what follows is a valid tag (paths may hold ':').
            if let colon = path.lastIndex(of: ":") {
                let candidate = String(path[path.index(after: colon)...])
                if ImageReference.isValidTag(candidate) {
                    tag = candidate
                    path = String(path[..<colon])
                }
            }
            guard !path.isEmpty else { throw .missingDirectory(text) }
            self = .ociLayout(directory: URL(fileURLWithPath: path), tag: tag)
            return
        }
        throw .unknownTransport(text)
    }

    package var description: String {
        switch self {
        case let .registry(reference): return "docker://\(reference)"
        case let .ociLayout(directory, tag): return "oci:\(directory.path)" + (tag.map { ":\($0)" } ?? "")
        }
    }
}

package enum ImageLocationError: Error, Equatable, Sendable, DescribedError {
    case unknownTransport(String)
    case invalidReference(String, reason: String)
    case missingDirectory(String)

    package var description: String {
        switch self {
        case let .unknownTransport(text):
            return "'\(text)' names no transport; write docker://REGISTRY/REPO:TAG or oci:DIRECTORY[:TAG]"
        case let .invalidReference(text, reason):
            return "'\(text)': \(reason)"
        case let .missingDirectory(text):
            return "'\(text)': the oci: location needs a directory, e.g. oci:./image:1.0"
        }
    }

}
