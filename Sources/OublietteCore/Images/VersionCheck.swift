import Foundation
import ImageCatalogue
import OCIDistribution
import SystemSupport

/// Whether an image's `org.opencontainers.image.version` suits this CLI.
package enum VersionCompatibility: Sendable, Equatable {
    case compatible
    case mismatch(imageVersion: String, cliVersion: String)
    /// A development build of oubliette accepts any image; the note says so.
    case developmentBuild(imageVersion: String, cliVersion: String)

    /// No label, or `dev`, is compatible; a development CLI accepts everything; otherwise the
    /// versions must be equal (a leading `v` is ignored on either side).
    package static func evaluate(imageVersion: String?, cliVersion: String) -> VersionCompatibility {
        guard let imageVersion, !imageVersion.isEmpty, imageVersion != "dev" else { return .compatible }
        func bare(_ version: String) -> String { version.hasPrefix("v") ? String(version.dropFirst()) : version }
        if bare(imageVersion) == bare(cliVersion) { return .compatible }
        if OublietteVersion.isDevelopment(cliVersion) { return .developmentBuild(imageVersion: imageVersion, cliVersion: cliVersion) }
        return .mismatch(imageVersion: imageVersion, cliVersion: cliVersion)
    }
}

/// Reads an image's labels from its registry without pulling it.
package protocol RemoteImageInspector: Sendable {
    /// The labels of `reference`'s image configuration; nil when the registry has no such image.
    func labels(of reference: ImageReference) async throws -> [String: String]?
}

/// Labels via the native registry client: one manifest GET and one config-blob GET.
package struct RegistryImageInspector: RemoteImageInspector {
    package let registries: RegistryClientFactory

    package init(registries: RegistryClientFactory) {
        self.registries = registries
    }

    package func labels(of reference: ImageReference) async throws -> [String: String]? {
        // One quick attempt: this only decides whether to warn, and a registry that is down
        // fails the pull that follows with a better message.
        let client = await registries.client(for: reference.registry, purpose: .quickCheck)
        return try await client.imageConfiguration(of: reference)?.labels
    }
}

/// Lets a version warning through at most once per interval, remembering the last one in a
/// state file so the limit holds across runs (and across processes: the check and the stamp
/// happen under one lock).
package actor VersionWarningThrottle {
    package nonisolated let file: URL
    package let interval: TimeInterval
    private let state: JSONStateFile<Stamp>

    struct Stamp: Codable, Sendable {
        /// The one stamp of older versions (all types shared it); read, no longer written.
        var lastWarning: Date?
        /// Per container type: a warning about one type does not silence another's.
        var byType: [String: Date]?
        enum CodingKeys: String, CodingKey { case lastWarning = "last_warning", byType = "last_warning_by_type" }
    }

    package init(stateDirectory: URL, interval: TimeInterval = 3600) {
        file = stateDirectory.appendingPathComponent("version-warning.json")
        self.interval = interval
        state = JSONStateFile(file, mode: 0o644, empty: { Stamp() })
    }

    /// True (and the time recorded) when no warning about `type` was let through within
    /// `interval` of `now`.
    package func shouldWarn(now: Date, type: String = "") -> Bool {
        let interval = self.interval
        // A state file that cannot be written only means one extra warning.
        return
            (try? state.update { stamp -> Bool in
                if let last = stamp.byType?[type], now.timeIntervalSince(last) < interval, now >= last { return false }
                stamp.byType = (stamp.byType ?? [:]).merging([type: now]) { _, new in new }
                return true
            }) ?? true
    }
}

/// The version policy an ImageManager applies before pulling.
package struct VersionCheckPolicy: Sendable {
    package let inspector: any RemoteImageInspector
    package let cliVersion: String
    package let throttle: VersionWarningThrottle
    /// Receives the warning text (the CLI prints it to stderr).
    package let warn: @Sendable (String) -> Void

    package init(
        inspector: any RemoteImageInspector, cliVersion: String = OublietteVersion.current,
        throttle: VersionWarningThrottle, warn: @escaping @Sendable (String) -> Void
    ) {
        self.inspector = inspector
        self.cliVersion = cliVersion
        self.throttle = throttle
        self.warn = warn
    }

    static func developmentNote(type: String, reference: ImageReference, imageVersion: String, cliVersion: String) -> String {
        "note: this oubliette is a development build (\(cliVersion)), so image \(reference.description) for container "
            + "type '\(type)' (version \(imageVersion)) is used without a version check"
    }

    /// Says which side is older and the command that fixes it: an older image is replaced by
    /// `oubliette update`, an older oubliette by `oubliette self-update`.
    static func warningText(type: String, reference: ImageReference, imageVersion: String, cliVersion: String) -> String {
        let head = "warning: image \(reference.description) for container type '\(type)' is version \(imageVersion)"
        let tail = " (pass --ignore-version to skip this check)"
        guard let image = CLIVersion(imageVersion), let cli = CLIVersion(cliVersion), image != cli else {
            return head + ", but this oubliette is \(cliVersion); use an image and an oubliette of the same version" + tail
        }
        if image < cli {
            return head + ", older than this oubliette (\(cliVersion)): run `oubliette update --type \(type)` to get the "
                + "current image, or pin an image of version \(cliVersion) in oubliette.jsonc" + tail
        }
        return head + ", newer than this oubliette (\(cliVersion)): run `oubliette self-update` to upgrade oubliette to "
            + "\(imageVersion), or pin an image of version \(cliVersion) in oubliette.jsonc" + tail
    }
}
