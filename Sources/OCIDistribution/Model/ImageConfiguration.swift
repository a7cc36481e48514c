/// The parts of an image configuration blob that tooling reads (labels above all).
///
/// Decoding ignores fields not listed here; the exact bytes are what get copied, so nothing is
/// lost by reading through this type.
package struct ImageConfiguration: Sendable, Hashable, Codable {
    package var architecture: String
    package var os: String
    package var variant: String?
    package var created: String?
    package var author: String?
    package var config: Settings?
    package var rootfs: RootFS?
    package var history: [History]?

    package init(
        architecture: String, os: String, variant: String? = nil, created: String? = nil, author: String? = nil,
        config: Settings? = nil, rootfs: RootFS? = nil, history: [History]? = nil
    ) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.created = created
        self.author = author
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }

    /// The image's labels (`config.Labels`), empty when it has none.
    package var labels: [String: String] { config?.labels ?? [:] }

    package struct Settings: Sendable, Hashable, Codable {
        package var user: String?
        package var env: [String]?
        package var entrypoint: [String]?
        package var cmd: [String]?
        package var workingDir: String?
        package var labels: [String: String]?
        package var stopSignal: String?

        package init(
            user: String? = nil, env: [String]? = nil, entrypoint: [String]? = nil, cmd: [String]? = nil,
            workingDir: String? = nil, labels: [String: String]? = nil, stopSignal: String? = nil
        ) {
            self.user = user
            self.env = env
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.workingDir = workingDir
            self.labels = labels
            self.stopSignal = stopSignal
        }

        enum CodingKeys: String, CodingKey {
            case user = "User", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd"
            case workingDir = "WorkingDir", labels = "Labels", stopSignal = "StopSignal"
        }
    }

    package struct RootFS: Sendable, Hashable, Codable {
        package var type: String
        package var diffIDs: [String]

        package init(type: String = "layers", diffIDs: [String]) {
            self.type = type
            self.diffIDs = diffIDs
        }

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    package struct History: Sendable, Hashable, Codable {
        package var created: String?
        package var createdBy: String?
        package var comment: String?
        package var emptyLayer: Bool?

        package init(created: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
        }

        enum CodingKeys: String, CodingKey {
            case created, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }
    }
}
