/// A release version as semver orders it (major.minor.patch, then prerelease identifiers;
/// build metadata ignored). Kept here rather than reusing ReleaseKit's because oubliette must
/// not link ReleaseKit (and with it libgit2).
package struct CLIVersion: Comparable, Sendable, CustomStringConvertible {
    package let major: String
    package let minor: String
    package let patch: String
    /// Dot-separated prerelease identifiers; empty for a stable release.
    package let prerelease: [String]

    package var isPrerelease: Bool { !prerelease.isEmpty }

    /// Parses `1.2.3`, `v1.2.3-rc.1`, `1.2.3+build`; nil for anything else.
    package init?(_ text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("v") { rest = rest.dropFirst() }
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }
        var pre: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !pre.isEmpty, pre.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isIdentifierByte) }) else { return nil }
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3, core.allSatisfy(Self.isNumber) else { return nil }
        // Numbers are compared as digit strings so no size limit applies; leading zeros dropped.
        let normalised = core.map { String($0.drop(while: { $0 == "0" })) }
        major = normalised[0]; minor = normalised[1]; patch = normalised[2]
        prerelease = pre
    }

    package var description: String {
        let core = "\(major.isEmpty ? "0" : major).\(minor.isEmpty ? "0" : minor).\(patch.isEmpty ? "0" : patch)"
        return prerelease.isEmpty ? core : core + "-" + prerelease.joined(separator: ".")
    }

    package static func == (lhs: CLIVersion, rhs: CLIVersion) -> Bool {
        lhs.major == rhs.major && lhs.minor == rhs.minor && lhs.patch == rhs.patch && lhs.prerelease == rhs.prerelease
    }

    package static func < (lhs: CLIVersion, rhs: CLIVersion) -> Bool {
        for (left, right) in [(lhs.major, rhs.major), (lhs.minor, rhs.minor), (lhs.patch, rhs.patch)] where left != right {
            return numericLess(left, right)
        }
        // A stable release sorts after all of its prereleases.
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false): break
        }
        for (left, right) in zip(lhs.prerelease, rhs.prerelease) where left != right {
            let leftNumeric = isNumber(Substring(left)), rightNumeric = isNumber(Substring(right))
            switch (leftNumeric, rightNumeric) {
            case (true, true): return numericLess(String(left.drop(while: { $0 == "0" })), String(right.drop(while: { $0 == "0" })))
            case (true, false): return true
            case (false, true): return false
            case (false, false): return left < right
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }

    private static func numericLess(_ left: String, _ right: String) -> Bool {
        left.count != right.count ? left.count < right.count : left < right
    }

    private static func isNumber(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "-")
    }
}
