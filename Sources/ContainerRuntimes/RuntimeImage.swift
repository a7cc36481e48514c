import Foundation
import OCIDistribution

/// A local image as an engine reports it.
package struct RuntimeImage: Sendable, Equatable, Codable {
    /// The engine's image ID (Docker: the config digest `sha256:…`; Apple: the index digest).
    package var id: String
    /// Names the image is known by locally, e.g. `127.0.0.1:5000/app:1`.
    package var repoTags: [String]
    /// `repository@sha256:…` entries: the manifest digests the image was pulled or pushed as.
    package var repoDigests: [String]
    package var labels: [String: String]
    package var created: Date?

    package init(id: String, repoTags: [String] = [], repoDigests: [String] = [], labels: [String: String] = [:], created: Date? = nil) {
        self.id = id
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.labels = labels
        self.created = created
    }

    /// The manifest digest recorded for `reference`'s repository, if the engine knows one.
    /// Docker spells Docker Hub repositories in their short form (`busybox@…`), so both the
    /// canonical and the familiar names are accepted.
    package func repoDigest(for reference: ImageReference) -> Digest? { repoDigests(for: reference).first }

    /// Every manifest digest the engine recorded for `reference`'s repository (one image can
    /// be pulled by an index digest and by a platform manifest's).
    package func repoDigests(for reference: ImageReference) -> [Digest] {
        let familiar = ImageReference(registry: reference.registry, repository: reference.repository).familiarDescription
        let familiarName =
            familiar.hasSuffix(":\(ImageReference.defaultTag)")
            ? String(familiar.dropLast(ImageReference.defaultTag.count + 1)) : familiar
        let names: Set<String> = [reference.name, familiarName]
        return repoDigests.compactMap { entry in
            guard let at = entry.lastIndex(of: "@"), names.contains(String(entry[..<at])) else { return nil }
            return try? Digest(String(entry[entry.index(after: at)...]))
        }
    }
}
