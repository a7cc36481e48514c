import Foundation

/// protobuf's JSON mapping of `bytes`: base64, standard or URL-safe, padding optional.
public struct ProtoBytes: Decodable, Sendable, Equatable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
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
public struct ProtoInt64: Decodable, Sendable, Equatable {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public init(from decoder: any Decoder) throws {
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
public struct ProtoTimestamp: Decodable, Sendable, Equatable {
    public var date: Date

    public init(_ date: Date) { self.date = date }

    public init(from decoder: any Decoder) throws {
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
public struct TimeRange: Decodable, Sendable, Equatable {
    public var start: Date?
    public var end: Date?

    public init(start: Date?, end: Date?) {
        self.start = start
        self.end = end
    }

    enum CodingKeys: String, CodingKey { case start, end }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        start = try container.decodeIfPresent(ProtoTimestamp.self, forKey: .start)?.date
        end = try container.decodeIfPresent(ProtoTimestamp.self, forKey: .end)?.date
    }

    /// Both ends inclusive (protobuf-specs: "TimeRange is a closed interval").
    public func contains(_ date: Date) -> Bool {
        if let start, date < start { return false }
        if let end, date > end { return false }
        return true
    }
}
