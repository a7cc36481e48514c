import Foundation

/// One member of a layer's tar stream, with its path normalised (no leading `./` or `/`, no
/// trailing `/`).
public struct TarEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case file, directory, symlink, hardlink, other
    }

    public var path: String
    public var kind: Kind
    public var size: Int
    /// Target of a symlink or hard link, as written in the archive.
    public var linkTarget: String

    /// `./usr//lib/` → `usr/lib`.
    static func normalise(_ raw: String) -> String {
        raw.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.joined(separator: "/")
    }
}
