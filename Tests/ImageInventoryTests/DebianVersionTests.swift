import ImageInventory
import Testing

@Suite("Debian version ordering")
struct DebianVersionTests {
    static let ordered: [(String, String)] = [
        ("1.0", "1.1"), ("1.0~rc1", "1.0"), ("1.0~~", "1.0~"), ("2.0", "1:0.1"), ("1.0-1", "1.0-2"), ("1.0-1", "1.0.1-1"),
        ("1.0a", "1.0b"), ("1.0", "1.0a"), ("1.0+dfsg", "1.0.1"), ("2.36.1-8+deb12u1", "2.36.1-8+deb12u2"),
        ("3.0.11-1~deb12u2", "3.0.11-1"), ("1.9", "1.10"), ("0:1.2", "1:0.1"), ("1.0-1~bpo1", "1.0-1"), ("1.0", "1.0-0.1"),
    ]

    @Test("known pairs order as dpkg orders them", arguments: ordered)
    func knownPairs(lower: String, higher: String) {
        #expect(DebianVersion(lower) < DebianVersion(higher))
        #expect(DebianVersion(higher) > DebianVersion(lower))
        #expect(DebianVersion.compare(DebianVersion(higher), DebianVersion(lower)) == 1)
    }

    @Test("equal spellings compare equal")
    func equalities() {
        #expect(DebianVersion("1.0") == DebianVersion("0:1.0"))
        #expect(DebianVersion("1.01") == DebianVersion("1.1"))
        #expect(DebianVersion("1.0-0") == DebianVersion("1.0-0"))
    }
}
