import Foundation
import OCIDistribution

/// A project an agent works in: a name, a container type and (once created) the container
/// that runs it. Persisted in `projects.json` in the data directory.
package struct Project: Sendable, Equatable, Codable {
    /// Longest project name, in characters: names are shown in lists and logs.
    package static let maximumNameLength = 100
    /// And in UTF-8 bytes, checked first: one "character" (grapheme cluster) can hold any
    /// number of combining scalars, so a character count alone bounds neither the record
    /// nor the time spent counting.
    package static let maximumNameBytes = 400

    /// Whether `name` is non-empty and within both caps (bytes first, in O(bytes)).
    package static func isAcceptableName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maximumNameBytes && name.count <= maximumNameLength
    }
    /// Most active sessions one project may have, so a looping agent cannot grow
    /// `projects.json` (read and rewritten on every change) without bound.
    package static let maximumActiveSessions = 64

    /// Stable identifier: the name's slug plus a short random suffix (`my-app-3f9a1c`).
    package let id: String
    package let name: String
    /// Container type from the configuration (`base`, `dev`, …).
    package let type: String
    /// The image reference the container was last created from.
    package var image: String
    /// The engine's container ID; nil until the container exists.
    package var containerID: String?
    package let createdAt: Date
    /// Set while the container is being replaced (refresh, update): sessions cannot start and
    /// the project cannot be deleted until it is done.
    package var replacement: Replacement?

    /// Who is replacing the container, so a crashed replacer's mark can be recognised as stale.
    package struct Replacement: Sendable, Equatable, Codable {
        package let startedAt: Date
        package let processID: Int32

        package init(startedAt: Date, processID: Int32) {
            self.startedAt = startedAt
            self.processID = processID
        }

        /// The replacing process is gone, or the mark is older than any replacement takes.
        package func isStale(now: Date) -> Bool {
            now.timeIntervalSince(startedAt) > 1800 || (kill(processID, 0) != 0 && errno == ESRCH)
        }

        enum CodingKeys: String, CodingKey {
            case startedAt = "started_at", processID = "pid"
        }
    }

    package init(id: String, name: String, type: String, image: String, containerID: String? = nil, createdAt: Date) {
        self.id = id
        self.name = name
        self.type = type
        self.image = image
        self.containerID = containerID
        self.createdAt = createdAt
    }

    /// The container name the engine shows: `oubliette-<id>`.
    package var containerName: String { "oubliette-\(id)" }

    enum CodingKeys: String, CodingKey {
        case id, name, type, image
        case containerID = "container_id"
        case createdAt = "created_at"
        case replacement
    }

    /// `my-app-3f9a1c` for "My App!": lowercase letters, digits and single dashes.
    package static func makeID(name: String, suffix: String = String(UUID().uuidString.lowercased().prefix(6))) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        let trimmed = String(slug.prefix(40))
        return trimmed.isEmpty ? "project-\(suffix)" : "\(trimmed)-\(suffix)"
    }
}

/// An agent's working session on a project. While a project has active sessions its
/// container is not replaced under the agent's feet.
package struct Session: Sendable, Equatable, Codable {
    /// Longest session label, in characters: enough for a task description, not a document.
    package static let maximumLabelLength = 200
    /// And in UTF-8 bytes (see ``Project/maximumNameBytes``).
    package static let maximumLabelBytes = 800

    package let id: String
    package let projectID: String
    /// Free text the agent gives (e.g. its task), shown by `session_list`.
    package let label: String?
    package let startedAt: Date

    package init(id: String, projectID: String, label: String?, startedAt: Date) {
        self.id = id
        self.projectID = projectID
        self.label = label
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, label
        case projectID = "project_id"
        case startedAt = "started_at"
    }
}
