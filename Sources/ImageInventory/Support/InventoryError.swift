import Foundation
import SystemSupport

/// A position in a text file, 1-based, for parser errors.
package struct TextPosition: Sendable, Hashable, CustomStringConvertible {
    package var line: Int
    package var column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    package var description: String { "\(line):\(column)" }
}

/// Everything reading an image's inventory can fail with; each text names the file (and the
/// line:column where there is one) and what to do.
package enum InventoryError: Error, Sendable, Equatable, DescribedError {
    /// A text database or record that does not parse.
    case malformed(file: String, at: TextPosition, reason: String)
    /// A layer that is not a readable (compressed) tar stream.
    case badLayer(layer: String, reason: String)
    /// A layer that goes over one of the reading limits (`LayerLimits`): `limit` names it and
    /// its value, `reason` what the layer has.
    case layerOverLimit(layer: String, limit: String, reason: String)
    /// A zip archive that cannot be read.
    case badArchive(file: String, reason: String)
    /// A local file or directory that cannot be read or written.
    case localFile(path: String, reason: String)
    /// The image (manifest, platform) cannot be resolved.
    case image(String)
    /// Downloading the advisory database failed.
    case download(url: String, reason: String)
    /// The export's server could not be reached or did not answer.
    case unreachable(url: String, reason: String)

    package var description: String {
        switch self {
        case let .malformed(file, at, reason):
            return "\(file):\(at): \(reason)"
        case let .badLayer(layer, reason):
            return "layer \(layer): \(reason) (is the image complete? re-copy it and try again)"
        case let .layerOverLimit(layer, limit, reason):
            return "layer \(layer): \(reason), over the limit of \(limit) for reading an image (not an image this tool reads; see docs/SECURITY.md)"
        case let .badArchive(file, reason):
            return "\(file): not a readable zip archive: \(reason) (download it again)"
        case let .localFile(path, reason):
            return "\(path): \(reason)"
        case let .image(text):
            return text
        case let .download(url, reason):
            return "download of \(url) failed: \(reason)"
        case let .unreachable(url, reason):
            return "cannot download \(url): \(reason). Check the network connection (and any proxy), or pass --url with a "
                + "reachable copy of the export; the advisory database was left as it was"
        }
    }
}
