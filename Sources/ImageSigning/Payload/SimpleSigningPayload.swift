import Foundation
import OCIDistribution

/// The "simple signing" payload cosign signs for a container image:
/// `{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
/// "type":"cosign container image signature"},"optional":{…}|null}`.
public struct SimpleSigningPayload: Sendable, Equatable, Codable {
    public static let signatureType = "cosign container image signature"
    public static let mediaType = "application/vnd.dev.cosign.simplesigning.v1+json"

    public struct Critical: Sendable, Equatable, Codable {
        public struct Identity: Sendable, Equatable, Codable {
            public var dockerReference: String
            enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
        }
        public struct Image: Sendable, Equatable, Codable {
            public var dockerManifestDigest: String
            enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
        }
        public var identity: Identity
        public var image: Image
        public var type: String
    }

    public var critical: Critical
    public var optional: [String: String]?

    /// `dockerReference` is the repository (`registry/path`, no tag), as cosign writes it.
    public init(dockerReference: String, digest: Digest, optional: [String: String]? = nil) {
        critical = Critical(
            identity: .init(dockerReference: dockerReference), image: .init(dockerManifestDigest: digest.description),
            type: Self.signatureType)
        self.optional = optional
    }

    enum CodingKeys: String, CodingKey { case critical, optional }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        critical = try container.decode(Critical.self, forKey: .critical)
        // cosign writes annotation values of any JSON type; only strings are kept.
        optional = (try? container.decodeIfPresent([String: String].self, forKey: .optional)) ?? nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(critical, forKey: .critical)
        // cosign writes `"optional":null` when there are no annotations.
        if let optional { try container.encode(optional, forKey: .optional) } else { try container.encodeNil(forKey: .optional) }
    }

    /// Compact JSON with sorted keys: the same key order Go's encoder gives this structure.
    public func encoded() throws -> Data { try RegistryJSON.encode(self) }

    public static func decode(_ data: Data) throws -> SimpleSigningPayload {
        try JSONDecoder().decode(SimpleSigningPayload.self, from: data)
    }

    /// `registry/repository` as it appears in `docker-reference`; Docker Hub is spelled
    /// `index.docker.io` by cosign and `docker.io` by us, and both mean the same.
    public static func dockerReference(for reference: ImageReference) -> String { reference.name }

    public static func sameRepository(_ signed: String, _ expected: String) -> Bool {
        func normal(_ text: String) -> String {
            // A tag or digest in the signed reference does not change which repository it names.
            var name = text
            if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
            if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
            for hub in ["index.docker.io/", "registry-1.docker.io/"] where name.hasPrefix(hub) {
                name = "docker.io/" + name.dropFirst(hub.count)
            }
            return name
        }
        return normal(signed) == normal(expected)
    }
}
