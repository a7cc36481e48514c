/// Alpine's apk version ordering (apk-tools' version.c): `N(.N)*[a-z]?(_suffixN?)*(-rN)?`,
/// numbers compared numerically (after the first component, one with a leading zero is
/// compared as a decimal fraction, as apk does), a letter after the numbers, then suffixes
/// `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, then `-r`.
package struct ApkVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let description: String

    package init(_ text: String) { description = text }

    enum Token: Equatable {
        case number(String, first: Bool)
        case letter(UInt8)
        case suffix(Int, String)
        case revision(String)
        case invalid(String)
    }

    static let preSuffixes = ["alpha", "beta", "pre", "rc"]
    static let postSuffixes = ["cvs", "svn", "git", "hg", "p"]

    static func tokens(_ text: String) -> [Token] {
        let bytes = Array(text.utf8)
        var tokens: [Token] = []
        var index = 0
        func digits() -> String {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        var first = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                tokens.append(.number(digits(), first: first))
                first = false
            } else if byte == UInt8(ascii: ".") && index + 1 < bytes.count && bytes[index + 1] >= 0x30 && bytes[index + 1] <= 0x39 && !first {
                index += 1
            } else if byte >= 0x61 && byte <= 0x7a && !first && tokens.last.map({ if case .number = $0 { true } else { false } }) == true {
                tokens.append(.letter(byte))
                index += 1
            } else if byte == UInt8(ascii: "_") {
                index += 1
                let start = index
                while index < bytes.count, bytes[index] >= 0x61, bytes[index] <= 0x7a { index += 1 }
                let name = String(decoding: bytes[start..<index], as: UTF8.self)
                let rank: Int
                if let pre = preSuffixes.firstIndex(of: name) {
                    rank = pre - preSuffixes.count
                } else if let post = postSuffixes.firstIndex(of: name) {
                    rank = post + 1
                } else {
                    tokens.append(.invalid(String(decoding: bytes[index...], as: UTF8.self)))
                    return tokens
                }
                tokens.append(.suffix(rank, digits()))
            } else if byte == UInt8(ascii: "-") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "r") {
                index += 2
                tokens.append(.revision(digits()))
            } else {
                tokens.append(.invalid(String(decoding: bytes[index...], as: UTF8.self)))
                return tokens
            }
        }
        return tokens
    }

    /// Numbers of any length: by length after leading zeros, then by digits.
    static func compareNumbers(_ a: String, _ b: String) -> Int {
        let left = a.drop { $0 == "0" }
        let right = b.drop { $0 == "0" }
        if left.count != right.count { return left.count < right.count ? -1 : 1 }
        return left == right ? 0 : (left < right ? -1 : 1)
    }

    /// Rank of a token kind where two versions diverge in kind: what follows the shorter.
    private static func kindRank(_ token: Token?) -> Int {
        switch token {
        case .suffix(let rank, _)? where rank < 0: return 0 // pre-release: before the end
        case nil: return 1
        case .revision?: return 2
        case .suffix?: return 3
        case .letter?: return 4
        case .number?: return 5
        case .invalid?: return -1
        }
    }

    package static func compare(_ lhs: ApkVersion, _ rhs: ApkVersion) -> Int {
        let a = tokens(lhs.description)
        let b = tokens(rhs.description)
        var index = 0
        while index < a.count || index < b.count {
            let left = index < a.count ? a[index] : nil
            let right = index < b.count ? b[index] : nil
            switch (left, right) {
            case let (.number(x, firstX)?, .number(y, _)?):
                // apk: past the first component, a leading zero makes it a fraction (1.02 < 1.1).
                let fractional = !firstX && (x.hasPrefix("0") || y.hasPrefix("0"))
                let result = fractional ? (x == y ? 0 : (x < y ? -1 : 1)) : compareNumbers(x, y)
                if result != 0 { return result }
            case let (.letter(x)?, .letter(y)?):
                if x != y { return x < y ? -1 : 1 }
            case let (.suffix(rx, nx)?, .suffix(ry, ny)?):
                if rx != ry { return rx < ry ? -1 : 1 }
                let result = compareNumbers(nx, ny)
                if result != 0 { return result }
            case let (.revision(x)?, .revision(y)?):
                let result = compareNumbers(x, y)
                if result != 0 { return result }
            case let (.invalid(x)?, .invalid(y)?):
                if x != y { return x < y ? -1 : 1 }
            default:
                let left = kindRank(left)
                let right = kindRank(right)
                if left != right { return left < right ? -1 : 1 }
            }
            index += 1
        }
        return 0
    }

    package static func < (lhs: ApkVersion, rhs: ApkVersion) -> Bool { compare(lhs, rhs) < 0 }
    package static func == (lhs: ApkVersion, rhs: ApkVersion) -> Bool { compare(lhs, rhs) == 0 }
    package func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
