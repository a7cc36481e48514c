import Foundation
import OCIDistribution
import SystemSupport

/// The one declaration of the images this project ships.
///
/// `oubliette` reads it for its default `containers` map; `release-tool` reads it for what
/// to build, in which order, and what to tag. Adding an image is one entry here (or in a
/// catalogue file) plus its Dockerfile.
public struct ImageCatalogue: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Codable {
        /// Container type name users pick (`base`, `dev`, …).
        public let type: String
        /// Published repository without tag, e.g. `ghcr.io/hyphagroup/oubliette-base`.
        public let repository: String
        /// Dockerfile path, relative to the catalogue root.
        public let dockerfile: String
        /// Build context directory, relative to the catalogue root.
        public let context: String
        /// Type this image is built `FROM` (passed as the `BASE_IMAGE` build arg).
        public let parent: String?
        /// One-line description, used for the OCI `title`/`description` labels and docs.
        public let summary: String

        public init(
            type: String, repository: String, dockerfile: String? = nil, context: String? = nil,
            parent: String? = nil, summary: String
        ) {
            self.type = type
            self.repository = repository
            self.dockerfile = dockerfile ?? "containers/\(type)/Dockerfile"
            self.context = context ?? "containers/\(type)"
            self.parent = parent
            self.summary = summary
        }

        /// The last path component of the repository (`oubliette-base`).
        public var imageName: String {
            repository.split(separator: "/").last.map(String.init) ?? repository
        }

        /// Published reference with the default tag.
        public func publishedReference(tag: String = ImageReference.defaultTag) throws(ImageReferenceError) -> ImageReference {
            try ImageReference(parsing: "\(repository):\(tag)")
        }

        /// Name a local build gets in dev mode (`oubliette-base:latest`).
        public func localReference() throws(ImageReferenceError) -> ImageReference {
            try ImageReference(parsing: "\(imageName):\(ImageReference.defaultTag)")
        }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) throws(CatalogueError) {
        var seen = Set<String>()
        for entry in entries {
            guard seen.insert(entry.type).inserted else { throw .duplicateType(entry.type) }
            do { _ = try entry.publishedReference() } catch {
                throw .invalidRepository(type: entry.type, repository: entry.repository, reason: error.description)
            }
        }
        self.entries = entries
        _ = try buildOrder()
    }

    /// The images this project publishes.
    public static let shipped: ImageCatalogue = {
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

    public var types: [String] { entries.map(\.type).sorted() }

    public func entry(for type: String) -> Entry? { entries.first { $0.type == type } }

    /// Entries with every parent before its children; ties keep declaration order.
    public func buildOrder() throws(CatalogueError) -> [Entry] {
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
    public func ancestry(of type: String) -> [Entry] {
        var chain: [Entry] = []
        var current = entry(for: type)
        while let entry = current, !chain.contains(entry) {
            chain.insert(entry, at: 0)
            current = entry.parent.flatMap { self.entry(for: $0) }
        }
        return chain
    }
}

public enum CatalogueError: Error, Equatable, Sendable, DescribedError {
    case duplicateType(String)
    case unknownParent(type: String, parent: String, known: [String])
    case cycle([String])
    case invalidRepository(type: String, repository: String, reason: String)
    case unreadable(path: String, reason: String)
    case invalidFile(path: String, reason: String)

    public var description: String {
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
        }
    }

}
