/// How missing images are obtained.
package enum ImageSource: String, Sendable, Codable, CaseIterable {
    /// Pull the published images (default).
    case prebuilt
    /// Build them locally from the catalogue's Dockerfiles.
    case build
}

/// When to ask the registry whether a newer image exists.
package enum UpdateCheck: String, Sendable, Codable, CaseIterable {
    case always
    case once
    case never
}

/// Where a container type's image reference came from.
package enum ConfigOrigin: Sendable, Equatable, Encodable, CustomStringConvertible {
    case catalogue
    case devMode
    case userConfig(file: String, line: Int)

    package var description: String {
        switch self {
        case .catalogue: "catalogue default"
        case .devMode: "dev mode (OUBLIETTE_DEV=1)"
        case let .userConfig(file, line): "user config \(file):\(line)"
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
