/// Where a value starts in a JSON or JSONC document (1-based; columns count characters).
package struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    package let line: Int
    package let column: Int
    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    package var description: String { "\(line):\(column)" }
}

/// A parsed JSON or JSONC value that remembers where it came from, so errors can point at it.
package struct JSONCValue: Sendable, Equatable {
    package struct Member: Sendable, Equatable {
        package let key: String
        package let keyLocation: SourceLocation
        package let value: JSONCValue

        package init(key: String, keyLocation: SourceLocation, value: JSONCValue) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    package indirect enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([JSONCValue])
        case object([Member])
    }

    package let kind: Kind
    package let location: SourceLocation

    package init(kind: Kind, location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// Name of the JSON type, for "expected X, found Y" messages.
    package var typeName: String {
        switch kind {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    package var stringValue: String? { if case let .string(s) = kind { s } else { nil } }
    package var boolValue: Bool? { if case let .bool(b) = kind { b } else { nil } }
    package var numberValue: Double? { if case let .number(n) = kind { n } else { nil } }
    package var arrayValue: [JSONCValue]? { if case let .array(a) = kind { a } else { nil } }
    package var members: [Member]? { if case let .object(m) = kind { m } else { nil } }
    package var isNull: Bool { if case .null = kind { true } else { false } }

    /// The value of an object's member `key` (keys are unique after parsing in either mode),
    /// nil for a missing key or a value that is no object.
    package subscript(_ key: String) -> JSONCValue? {
        members?.first { $0.key == key }?.value
    }
}
