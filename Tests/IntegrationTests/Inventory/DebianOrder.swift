import ImageInventory

/// The ordering under test, in one place for the dpkg comparison.
enum DebianOrder {
    static func compare(_ lhs: String, _ rhs: String) -> Int { DebianVersion.compare(DebianVersion(lhs), DebianVersion(rhs)) }
}
