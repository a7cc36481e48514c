import Foundation

/// protobuf's JSON mapping of `bytes`: base64, standard or URL-safe, padding optional.
package struct ProtoBytes: Decodable, Sendable, Equatable {
    package var bytes: [UInt8]

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = ProtoBytes.decodeBase64(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not base64"))
        }
        self.bytes = bytes
    }

    static func decodeBase64(_ text: String) -> [UInt8]? {
        // Line breaks are skipped, as Go's and Python's decoders (protojson, sigstore-python) do.
        var standard = text.filter { $0 != "\n" && $0 != "\r" && $0 != "\r\n" }
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard.append("=") }
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}

/// protobuf's JSON mapping of `int64`/`uint64`: a decimal string, or a number.
package struct ProtoInt64: Decodable, Sendable, Equatable {
    package var value: Int64

    package init(_ value: Int64) { self.value = value }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        guard let number = Int64(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an int64"))
        }
        value = number
    }
}

/// protobuf's `google.protobuf.Timestamp` in JSON: RFC 3339 with optional fractional seconds.
package struct ProtoTimestamp: Decodable, Sendable, Equatable {
    package var date: Date

    package init(_ date: Date) { self.date = date }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = ProtoTimestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an RFC 3339 time"))
        }
        self.date = date
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// `dev.sigstore.common.v1.TimeRange`: a closed interval; `end` absent means still valid.
package struct TimeRange: Decodable, Sendable, Equatable {
    package var start: Date?
    package var end: Date?

    package init(start: Date?, end: Date?) {
        self.start = start
        self.end = end
    }

    enum CodingKeys: String, CodingKey { case start, end }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        start = try container.decodeIfPresent(ProtoTimestamp.self, forKey: .start)?.date
        end = try container.decodeIfPresent(ProtoTimestamp.self, forKey: .end)?.date
    }

    /// Both ends inclusive (protobuf-specs: "TimeRange is a closed interval").
    package func contains(_ date: Date) -> Bool {
        if let start, date < start { return false }
        if let end, date > end { return false }
        return true
    }
}
