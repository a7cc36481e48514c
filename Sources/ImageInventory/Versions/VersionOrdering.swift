/// The version ordering of an OSV ecosystem: `Debian:*` and `Ubuntu:*` use dpkg's,
/// `Alpine:*` apk's. Others are not matched (an unknown ordering must not guess).
package enum VersionOrdering: Sendable, Hashable {
    case debian, apk

    package init?(ecosystem: String) {
        let family = ecosystem.split(separator: ":").first.map(String.init) ?? ecosystem
        switch family {
        case "Debian", "Ubuntu": self = .debian
        case "Alpine": self = .apk
        default: return nil
        }
    }

    /// -1, 0 or 1.
    package func compare(_ lhs: String, _ rhs: String) -> Int {
        switch self {
        case .debian: return DebianVersion.compare(DebianVersion(lhs), DebianVersion(rhs))
        case .apk: return ApkVersion.compare(ApkVersion(lhs), ApkVersion(rhs))
        }
    }
}
