import Foundation

// Only `sha256(of:)` needs Crypto; without it (scripts/fuzz compiles this file alone with
// swiftc) the parsing half still builds.
#if canImport(Crypto)
    import Crypto
#endif

/// A content digest such as `sha256:0123…`, validated on construction.
package struct Digest: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    package let algorithm: String
    package let encoded: String

    package init(_ string: String) throws(ImageReferenceError) {
        guard let colon = string.firstIndex(of: ":") else {
            throw .invalidDigest(string, reason: "expected ALGORITHM:HEX, e.g. sha256:<64 hex digits>")
        }
        let algorithm = String(string[..<colon])
        let encoded = String(string[string.index(after: colon)...])
        let expectedLength: Int
        switch algorithm {
        case "sha256": expectedLength = 64
        case "sha512": expectedLength = 128
        default:
            throw .invalidDigest(string, reason: "unsupported algorithm '\(algorithm)' (use sha256 or sha512)")
        }
        // ASCII bytes, not Character.isHexDigit, which also accepts fullwidth digits and letters.
        guard
            encoded.utf8.allSatisfy({
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            })
        else {
            throw .invalidDigest(string, reason: "the hex part must be lowercase ASCII 0-9a-f")
        }
        guard encoded.utf8.count == expectedLength else {
            throw .invalidDigest(string, reason: "\(algorithm) needs \(expectedLength) hex digits, got \(encoded.utf8.count)")
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    #if canImport(Crypto)
        /// The sha256 digest of `data`.
        package static func sha256(of data: some DataProtocol) -> Digest {
            Digest(trustedSHA256Hex: SHA256.hash(data: data).hexString)
        }

        /// The sha256 digest of a file's content, read in 1 MiB pieces.
        package static func sha256(ofFile url: URL) throws -> Digest {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var hasher = SHA256()
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
            return Digest(trustedSHA256Hex: hasher.finalize().hexString)
        }
    #endif

    /// For digests computed locally, where the hex string is known to be well formed.
    package init(trustedSHA256Hex hex: String) {
        self.algorithm = "sha256"
        self.encoded = hex
    }

    package var description: String { "\(algorithm):\(encoded)" }

    package static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do { self = try Digest(raw) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Sequence where Element == UInt8 {
    /// Lowercase hex, two digits per byte.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
