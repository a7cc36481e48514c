/// A repository path inside a registry (`library/ubuntu`, `acme/tools/base`): lowercase path
/// components per the distribution grammar. The client API takes this, not a bare string, so
/// a tag or a whole reference cannot be passed where a repository belongs.
package struct RepositoryName: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    package let value: String

    package init(_ value: String) throws(ImageReferenceError) {
        guard !value.isEmpty else { throw .empty }
        for component in value.split(separator: "/", omittingEmptySubsequences: false)
        where !ImageReference.isValidPathComponent(String(component)) {
            throw .invalidPathComponent(reference: value, component: String(component))
        }
        self.value = value
    }

    /// For paths that come out of a parsed ``ImageReference`` (already validated).
    init(validated value: String) {
        self.value = value
    }

    /// A literal in code is a programmer's constant; an invalid one is a bug worth stopping on.
    package init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("invalid repository literal '\(value)': \(error)") }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do { try self.init(raw) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    package var description: String { value }
}

/// What a manifest request names: a tag, or a digest.
package enum ManifestReference: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    case tag(String)
    case digest(Digest)

    /// `sha256:…` is a digest; anything else must be a valid tag.
    package init(parsing text: String) throws(ImageReferenceError) {
        if text.contains(":") {
            self = .digest(try Digest(text))
        } else {
            guard ImageReference.isValidTag(text) else { throw .invalidTag(reference: text, tag: text) }
            self = .tag(text)
        }
    }

    package init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("invalid tag or digest literal '\(value)': \(error)") }
    }

    package var description: String {
        switch self {
        case let .tag(tag): tag
        case let .digest(digest): digest.description
        }
    }

    package var digest: Digest? {
        if case let .digest(digest) = self { return digest }
        return nil
    }
}

extension ImageReference {
    /// The repository as a typed name.
    package var repositoryName: RepositoryName { RepositoryName(validated: repository) }

    /// What a manifest request asks for: the digest when pinned, else the tag.
    package var manifestReference: ManifestReference {
        if let digest { return .digest(digest) }
        return .tag(tag ?? Self.defaultTag)
    }
}
