import ImageInventory
import Testing

@Suite("apk version ordering")
struct ApkVersionTests {
    static let ordered: [(String, String)] = [
        ("1.0", "1.1"), ("1.36.1-r15", "1.36.1-r16"), ("1.2.4", "1.2.4_git20230717-r4"), ("1.0_alpha1", "1.0_beta"), ("1.0_rc1", "1.0"),
        ("1.0", "1.0_p1"), ("3.1.4-r1", "3.1.4_p1-r0"), ("1.0a", "1.0b"), ("1.0", "1.0a"), ("1.9", "1.10"), ("2.0-r0", "2.0-r1"),
        ("1.0_pre2", "1.0_rc1"), ("1.0_cvs", "1.0_git"), ("1.02", "1.1"),
    ]

    @Test("known pairs order as apk orders them", arguments: ordered)
    func pairs(lower: String, higher: String) {
        #expect(ApkVersion(lower) < ApkVersion(higher))
        #expect(ApkVersion.compare(ApkVersion(higher), ApkVersion(lower)) == 1)
    }

    @Test("equal versions")
    func equal() {
        #expect(ApkVersion("1.2.3-r0") == ApkVersion("1.2.3-r0"))
        #expect(ApkVersion("1.2.3-r0") != ApkVersion("1.2.3-r1"))
    }
}
