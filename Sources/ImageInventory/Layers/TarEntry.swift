import Foundation

/// One member of a layer's tar stream, with its path normalised (no leading `./` or `/`, no
/// trailing `/`).
package struct TarEntry: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case file, directory, symlink, hardlink, other
    }

    package var path: String
    package var kind: Kind
    package var size: Int
    /// Target of a symlink or hard link, as written in the archive.
    package var linkTarget: String

    /// `./usr//lib/` → `usr/lib`.
    static func normalise(_ raw: String) -> String {
        raw.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }
}
