import Foundation
import OCIDistribution
import SystemSupport

/// The "simple signing" payload cosign signs for a container image:
/// `{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
/// "type":"cosign container image signature"},"optional":{…}|null}`.
package struct SimpleSigningPayload: Sendable, Equatable, Codable {
    package static let signatureType = "cosign container image signature"
    package static let mediaType = "application/vnd.dev.cosign.simplesigning.v1+json"

    package struct Critical: Sendable, Equatable, Codable {
        package struct Identity: Sendable, Equatable, Codable {
            package var dockerReference: String
            enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
        }
        package struct Image: Sendable, Equatable, Codable {
            package var dockerManifestDigest: String
            enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
        }
        package var identity: Identity
        package var image: Image
        package var type: String

        enum CodingKeys: String, CodingKey { case identity, image, type }
    }

    package var critical: Critical
    package var optional: [String: String]?

    /// `dockerReference` is the repository (`registry/path`, no tag), as cosign writes it.
    package init(dockerReference: String, digest: Digest, optional: [String: String]? = nil) {
        critical = Critical(
            identity: .init(dockerReference: dockerReference), image: .init(dockerManifestDigest: digest.description),
            type: Self.signatureType)
        self.optional = optional
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case critical, optional }

    /// Strict, as containers-signature(5) requires of consumers: "consumers MUST reject the
    /// signature if the `critical` object, or _any_ of its subobjects, contain _any_ member or
    /// data value which is unrecognized, unsupported, invalid, or in any other way unexpected",
    /// and "The top-level value of the JSON document MUST be a JSON object with exactly two
    /// members, `critical` and `optional`". `optional` may be null or absent (cosign writes
    /// `"optional":null`); its members are free-form ("Consumers SHOULD accept any members with
    /// unrecognized names in the `optional` object").
    package init(from decoder: any Decoder) throws {
        try Self.rejectUnknownMembers(in: decoder, allowed: CodingKeys.allCases.map(\.rawValue), path: "")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let critical = try container.superDecoder(forKey: .critical)
        try Self.rejectUnknownMembers(in: critical, allowed: ["identity", "image", "type"], path: "critical")
        let members = try critical.container(keyedBy: Critical.CodingKeys.self)
        let identity = try members.superDecoder(forKey: .identity)
        try Self.rejectUnknownMembers(in: identity, allowed: ["docker-reference"], path: "critical.identity")
        let image = try members.superDecoder(forKey: .image)
        try Self.rejectUnknownMembers(in: image, allowed: ["docker-manifest-digest"], path: "critical.image")
        self.critical = Critical(
            identity: try Critical.Identity(from: identity), image: try Critical.Image(from: image), type: try members.decode(String.self, forKey: .type))
        // cosign writes annotation values of any JSON type; only strings are kept.
        optional = (try? container.decodeIfPresent([String: String].self, forKey: .optional)) ?? nil
    }

    /// A member the payload format does not define, where containers-signature(5) says
    /// consumers MUST reject it.
    package struct UnexpectedMember: Error, CustomStringConvertible {
        package var path: String
        package var description: String {
            "the payload has a member '\(path)' the simple-signing format does not define (containers-signature(5): consumers MUST reject it)"
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func rejectUnknownMembers(in decoder: any Decoder, allowed: [String], path: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw UnexpectedMember(path: path.isEmpty ? unknown : "\(path).\(unknown)")
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(critical, forKey: .critical)
        // cosign writes `"optional":null` when there are no annotations.
        if let optional { try container.encode(optional, forKey: .optional) } else { try container.encodeNil(forKey: .optional) }
    }

    /// Compact JSON with sorted keys: the same key order Go's encoder gives this structure.
    package func encoded() throws -> Data { try RegistryJSON.encode(self) }

    package static func decode(_ data: Data) throws -> SimpleSigningPayload {
        try JSONCoding.decode(SimpleSigningPayload.self, from: data)
    }

    /// `registry/repository` as it appears in `docker-reference`; Docker Hub is spelled
    /// `index.docker.io` by cosign and `docker.io` by us, and both mean the same.
    package static func dockerReference(for reference: ImageReference) -> String { reference.name }

    package static func sameRepository(_ signed: String, _ expected: String) -> Bool {
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
