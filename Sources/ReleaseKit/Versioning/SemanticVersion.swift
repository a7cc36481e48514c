import Foundation
import SystemSupport

/// A Semantic Versioning 2.0.0 version: `MAJOR.MINOR.PATCH[-prerelease][+build]`.
///
/// Equality and ordering follow semver *precedence*: build metadata is kept for display
/// but ignored when comparing, so `1.0.0+a == 1.0.0+b`.
package struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    package let major: Number
    package let minor: Number
    package let patch: Number
    /// Dot-separated prerelease identifiers (`["rc", "1"]`); empty for a release.
    package let prerelease: [String]
    /// Dot-separated build identifiers; never affect precedence.
    package let buildMetadata: [String]

    package init(major: Number, minor: Number, patch: Number, prerelease: [String] = [], buildMetadata: [String] = []) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.buildMetadata = buildMetadata
    }

    /// Parses strict semver 2.0 (no `v` prefix, no leading zeros in numeric parts).
    package init(parsing text: String) throws(SemanticVersionError) {
        var core = Substring(text)
        var build: [String] = []
        if let plus = core.firstIndex(of: "+") {
            build = try Self.identifiers(core[core.index(after: plus)...], in: text, part: "build metadata", numericRules: false)
            core = core[..<plus]
        }
        var pre: [String] = []
        if let dash = core.firstIndex(of: "-") {
            pre = try Self.identifiers(core[core.index(after: dash)...], in: text, part: "prerelease", numericRules: true)
            core = core[..<dash]
        }
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3 else {
            throw .malformed(text, reason: "expected MAJOR.MINOR.PATCH, found \(numbers.count) dot-separated part(s) in '\(core)'")
        }
        var values: [Number] = []
        for number in numbers {
            guard !number.isEmpty, number.utf8.allSatisfy(Number.isDigit) else {
                throw .malformed(text, reason: "'\(number)' is not a non-negative integer")
            }
            guard number == "0" || number.first != "0" else {
                throw .malformed(text, reason: "'\(number)' has a leading zero")
            }
            // Semver sets no upper bound, so any length is kept exactly.
            values.append(Number(validatedDigits: String(number)))
        }
        self.init(major: values[0], minor: values[1], patch: values[2], prerelease: pre, buildMetadata: build)
    }

    /// `nil` instead of an error, for scanning tag lists where most names may be anything.
    package init?(_ text: String) {
        guard let parsed = try? SemanticVersion(parsing: text) else { return nil }
        self = parsed
    }

    package var isPrerelease: Bool { !prerelease.isEmpty }

    package var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-" + prerelease.joined(separator: ".") }
        if !buildMetadata.isEmpty { text += "+" + buildMetadata.joined(separator: ".") }
        return text
    }

    // MARK: Precedence (semver 2.0 §11)

    package static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        lhs.major == rhs.major && lhs.minor == rhs.minor && lhs.patch == rhs.patch && lhs.prerelease == rhs.prerelease
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(prerelease)
    }

    package static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool {
        if lhs.major != rhs.major { return lhs.major < rhs.major }
        if lhs.minor != rhs.minor { return lhs.minor < rhs.minor }
        if lhs.patch != rhs.patch { return lhs.patch < rhs.patch }
        // A release ranks above any of its prereleases.
        switch (lhs.prerelease.isEmpty, rhs.prerelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false): break
        }
        for (left, right) in zip(lhs.prerelease, rhs.prerelease) where left != right {
            switch (Number(left), Number(right)) {
            // Equal values spelled differently ("07" from init(major:…)) fall back to text order.
            case let (l?, r?): return l == r ? left < right : l < r
            case (.some, nil): return true // numeric identifiers rank below alphanumeric ones
            case (nil, .some): return false
            case (nil, nil): return left < right // ASCII order
            }
        }
        return lhs.prerelease.count < rhs.prerelease.count
    }

    // MARK: Codable as the plain string

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do { self = try SemanticVersion(parsing: raw) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func identifiers(
        _ part: Substring, in text: String, part name: String,
        numericRules: Bool
    ) throws(SemanticVersionError) -> [String] {
        let identifiers = part.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for identifier in identifiers {
            guard !identifier.isEmpty else { throw .malformed(text, reason: "\(name) has an empty identifier") }
            guard identifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw .malformed(text, reason: "\(name) identifier '\(identifier)' may only contain [0-9A-Za-z-]")
            }
            if numericRules, identifier.count > 1, identifier.first == "0", identifier.utf8.allSatisfy(Number.isDigit) {
                throw .malformed(text, reason: "\(name) identifier '\(identifier)' is numeric with a leading zero")
            }
        }
        return identifiers
    }
}

extension SemanticVersion {
    /// A non-negative integer of any size (semver puts no bound on MAJOR, MINOR, PATCH or
    /// numeric prerelease identifiers), kept as its decimal digits and ordered numerically.
    package struct Number: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
        /// Decimal digits without leading zeros ("0" for zero).
        package let digits: String

        package init(_ value: UInt64) { digits = String(value) }

        package init(integerLiteral value: UInt64) { self.init(value) }

        /// ASCII decimal digits; leading zeros are dropped. Nil for anything else (signs too).
        package init?(_ text: some StringProtocol) {
            guard !text.isEmpty, text.utf8.allSatisfy(Self.isDigit) else { return nil }
            let trimmed = text.drop { $0 == "0" }
            digits = trimmed.isEmpty ? "0" : String(trimmed)
        }

        fileprivate init(validatedDigits: String) { digits = validatedDigits }

        /// The value when it fits in a UInt64.
        package var uint64Value: UInt64? { UInt64(digits) }

        package var description: String { digits }

        package static func < (lhs: Number, rhs: Number) -> Bool {
            // Without leading zeros, a longer digit string is a larger number.
            lhs.digits.utf8.count != rhs.digits.utf8.count
                ? lhs.digits.utf8.count < rhs.digits.utf8.count
                : lhs.digits.utf8.lexicographicallyPrecedes(rhs.digits.utf8)
        }

        static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }
}

package enum SemanticVersionError: Error, Equatable, Sendable, DescribedError {
    case malformed(String, reason: String)

    package var description: String {
        switch self {
        case let .malformed(text, reason):
            return "'\(text)' is not a semantic version (MAJOR.MINOR.PATCH[-prerelease][+build]): \(reason)"
        }
    }

}
