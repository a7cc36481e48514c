import Foundation
import OCIDistribution

/// A build-arg or label value. Values that depend on a parent image's pushed digest are
/// only known once the parent is pushed, so the plan records them symbolically and the
/// publisher resolves them; this is what pins `dev` to exactly the `base` it just pushed.
package enum PlanValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case literal(String)
    /// `REPOSITORY@DIGEST` of the parent image once pushed.
    case parentDigestReference(parent: String, repository: String)
    /// `DIGEST` of the parent image once pushed.
    case parentDigest(parent: String)

    /// The concrete value, given the digests pushed so far (keyed by image type).
    package func resolved(pushed: [String: Digest]) throws(ReleasePlanError) -> String {
        switch self {
        case let .literal(value):
            return value
        case let .parentDigestReference(parent, repository):
            guard let digest = pushed[parent] else { throw .parentNotPushed(parent: parent) }
            return "\(repository)@\(digest)"
        case let .parentDigest(parent):
            guard let digest = pushed[parent] else { throw .parentNotPushed(parent: parent) }
            return digest.description
        }
    }

    /// How the plan shows it before anything is pushed.
    package var description: String {
        switch self {
        case let .literal(value): return value
        case let .parentDigestReference(parent, repository): return "\(repository)@<digest of \(parent)>"
        case let .parentDigest(parent): return "<digest of \(parent)>"
        }
    }

    // Encoded as the display string plus, for parent-dependent values, the parent type, so
    // `--json` consumers see both the shape and what it waits on.
    private enum CodingKeys: String, CodingKey { case value, parent, repository, kind }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .literal(value):
            try container.encode("literal", forKey: .kind)
            try container.encode(value, forKey: .value)
        case let .parentDigestReference(parent, repository):
            try container.encode("parentDigestReference", forKey: .kind)
            try container.encode(parent, forKey: .parent)
            try container.encode(repository, forKey: .repository)
            try container.encode(description, forKey: .value)
        case let .parentDigest(parent):
            try container.encode("parentDigest", forKey: .kind)
            try container.encode(parent, forKey: .parent)
            try container.encode(description, forKey: .value)
        }
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "parentDigestReference":
            self = .parentDigestReference(
                parent: try container.decode(String.self, forKey: .parent),
                repository: try container.decode(String.self, forKey: .repository))
        case "parentDigest":
            self = .parentDigest(parent: try container.decode(String.self, forKey: .parent))
        default:
            self = .literal(try container.decode(String.self, forKey: .value))
        }
    }
}

/// An ordered key/value pair (build args and labels keep a stable, sorted order).
package struct PlanSetting: Sendable, Equatable, Codable {
    package let key: String
    package let value: PlanValue

    package init(_ key: String, _ value: PlanValue) {
        self.key = key
        self.value = value
    }
}
