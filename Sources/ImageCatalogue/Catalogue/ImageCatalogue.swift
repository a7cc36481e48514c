import Foundation
import OCIDistribution
import SystemSupport

/// The one declaration of the images this project ships.
///
/// `oubliette` reads it for its default `containers` map; `release-tool` reads it for what
/// to build, in which order, and what to tag. Adding an image is one entry here (or in a
/// catalogue file) plus its Dockerfile.
package struct ImageCatalogue: Sendable, Equatable {
    package struct Entry: Sendable, Equatable, Codable {
        /// Container type name users pick (`base`, `dev`, …).
        package let type: String
        /// Published repository without tag, e.g. `ghcr.io/hyphagroup/oubliette-base`.
        package let repository: String
        /// Dockerfile path, relative to the catalogue root.
        package let dockerfile: String
        /// Build context directory, relative to the catalogue root.
        package let context: String
        /// Type this image is built `FROM` (passed as the `BASE_IMAGE` build arg).
        package let parent: String?
        /// One-line description, used for the OCI `title`/`description` labels and docs.
        package let summary: String
        /// Platforms published for this image, each built natively and listed in one index;
        /// a child's platforms must all be its parent's too (it is built FROM each of them).
        package let platforms: [Platform]

        /// What every image publishes unless its catalogue entry narrows it.
        package static let defaultPlatforms = [
            Platform(architecture: "amd64", os: "linux"), Platform(architecture: "arm64", os: "linux"),
        ]

        package init(
            type: String, repository: String, dockerfile: String? = nil, context: String? = nil,
            parent: String? = nil, summary: String, platforms: [Platform] = Entry.defaultPlatforms
        ) {
            self.type = type
            self.repository = repository
            self.dockerfile = dockerfile ?? "containers/\(type)/Dockerfile"
            self.context = context ?? "containers/\(type)"
            self.parent = parent
            self.summary = summary
            self.platforms = platforms
        }

        private enum CodingKeys: String, CodingKey { case type, repository, dockerfile, context, parent, summary, platforms }

        // Written out so JSON from before `platforms` existed still decodes (to the default).
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                type: try container.decode(String.self, forKey: .type),
                repository: try container.decode(String.self, forKey: .repository),
                dockerfile: try container.decode(String.self, forKey: .dockerfile),
                context: try container.decode(String.self, forKey: .context),
                parent: try container.decodeIfPresent(String.self, forKey: .parent),
                summary: try container.decode(String.self, forKey: .summary),
                platforms: try container.decodeIfPresent([Platform].self, forKey: .platforms) ?? Entry.defaultPlatforms)
        }

        /// The last path component of the repository (`oubliette-base`).
        package var imageName: String {
            repository.split(separator: "/").last.map(String.init) ?? repository
        }

        /// Published reference with the default tag.
        package func publishedReference(tag: String = ImageReference.defaultTag) throws(ImageReferenceError) -> ImageReference {
            try ImageReference(parsing: "\(repository):\(tag)")
        }

        /// Name a local build gets in dev mode (`oubliette-base:latest`).
        package func localReference() throws(ImageReferenceError) -> ImageReference {
            try ImageReference(parsing: "\(imageName):\(ImageReference.defaultTag)")
        }
    }

    package let entries: [Entry]

    package init(entries: [Entry]) throws(CatalogueError) {
        var seen = Set<String>()
        for entry in entries {
            guard seen.insert(entry.type).inserted else { throw .duplicateType(entry.type) }
            guard !entry.platforms.isEmpty else { throw .noPlatforms(type: entry.type) }
            if Set(entry.platforms.map(\.description)).count != entry.platforms.count {
                throw .duplicatePlatform(type: entry.type, platforms: entry.platforms.map(\.description))
            }
            do { _ = try entry.publishedReference() } catch {
                throw .invalidRepository(type: entry.type, repository: entry.repository, reason: error.description)
            }
        }
        self.entries = entries
        _ = try buildOrder()
        for entry in entries {
            guard let parent = entry.parent.flatMap({ name in entries.first { $0.type == name } }) else { continue }
            let parentPlatforms = Set(parent.platforms.map(\.description))
            if let missing = entry.platforms.first(where: { !parentPlatforms.contains($0.description) }) {
                throw .platformNotInParent(
                    type: entry.type, platform: missing.description, parent: parent.type, parentPlatforms: parent.platforms.map(\.description))
            }
        }
    }

    /// The images this project publishes.
    package static let shipped: ImageCatalogue = {
        do {
            return try ImageCatalogue(entries: [
                Entry(
                    type: "base", repository: "ghcr.io/hyphagroup/oubliette-base",
                    summary: "Debian-slim agent sandbox with git, curl and CA certificates"),
                Entry(
                    type: "dev", repository: "ghcr.io/hyphagroup/oubliette-dev", parent: "base",
                    summary: "Base sandbox plus compilers and build tools"),
            ])
        } catch {
            fatalError("the shipped catalogue is invalid: \(error)")
        }
    }()

    package var types: [String] { entries.map(\.type).sorted() }

    package func entry(for type: String) -> Entry? { entries.first { $0.type == type } }

    /// Entries with every parent before its children; ties keep declaration order.
    package func buildOrder() throws(CatalogueError) -> [Entry] {
        let byType = Dictionary(uniqueKeysWithValues: entries.map { ($0.type, $0) })
        for entry in entries {
            if let parent = entry.parent, byType[parent] == nil {
                throw .unknownParent(type: entry.type, parent: parent, known: types)
            }
        }
        var ordered: [Entry] = []
        var done = Set<String>()
        var visiting: [String] = []
        func visit(_ entry: Entry) throws(CatalogueError) {
            if done.contains(entry.type) { return }
            if let index = visiting.firstIndex(of: entry.type) {
                throw .cycle(Array(visiting[index...]) + [entry.type])
            }
            visiting.append(entry.type)
            if let parent = entry.parent, let parentEntry = byType[parent] { try visit(parentEntry) }
            visiting.removeLast()
            done.insert(entry.type)
            ordered.append(entry)
        }
        for entry in entries { try visit(entry) }
        return ordered
    }

    /// The chain from the root image down to `type` (e.g. base, dev, osint).
    package func ancestry(of type: String) -> [Entry] {
        var chain: [Entry] = []
        var current = entry(for: type)
        while let entry = current, !chain.contains(entry) {
            chain.insert(entry, at: 0)
            current = entry.parent.flatMap { self.entry(for: $0) }
        }
        return chain
    }
}

package enum CatalogueError: Error, Equatable, Sendable, DescribedError {
    case duplicateType(String)
    case unknownParent(type: String, parent: String, known: [String])
    case cycle([String])
    case invalidRepository(type: String, repository: String, reason: String)
    case unreadable(path: String, reason: String)
    case invalidFile(path: String, reason: String)
    case noPlatforms(type: String)
    case duplicatePlatform(type: String, platforms: [String])
    case platformNotInParent(type: String, platform: String, parent: String, parentPlatforms: [String])

    package var description: String {
        switch self {
        case let .duplicateType(type):
            return "catalogue declares container type '\(type)' twice; type names must be unique"
        case let .unknownParent(type, parent, known):
            return "catalogue entry '\(type)' has parent '\(parent)', which is not in the catalogue (known: \(known.joined(separator: ", ")))"
        case let .cycle(path):
            return "catalogue parents form a cycle: \(path.joined(separator: " -> ")); one of these entries must not have a parent"
        case let .invalidRepository(type, repository, reason):
            return "catalogue entry '\(type)' has an invalid repository '\(repository)': \(reason)"
        case let .unreadable(path, reason):
            return "cannot read catalogue \(path): \(reason)"
        case let .invalidFile(path, reason):
            return "\(path): \(reason)"
        case let .noPlatforms(type):
            return
                "catalogue entry '\(type)' has an empty \"platforms\" list; name at least one (e.g. \"linux/amd64\") or leave the key out for linux/amd64 + linux/arm64"
        case let .duplicatePlatform(type, platforms):
            return "catalogue entry '\(type)' lists a platform twice (\(platforms.joined(separator: ", "))); list each once"
        case let .platformNotInParent(type, platform, parent, parentPlatforms):
            return
                "catalogue entry '\(type)' wants \(platform), but its parent '\(parent)' is only built for \(parentPlatforms.joined(separator: ", ")); add \(platform) to '\(parent)' or remove it from '\(type)'"
        }
    }

}
