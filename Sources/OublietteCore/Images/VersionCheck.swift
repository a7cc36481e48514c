import Foundation

/// The version of this oubliette build; images labelled with another release are flagged.
public enum OublietteVersion {
    public static let current = "0.1.0"
    public static let label = "org.opencontainers.image.version"
}

/// Whether an image's `org.opencontainers.image.version` suits this CLI.
public enum VersionCompatibility: Sendable, Equatable {
    case compatible
    case mismatch(imageVersion: String, cliVersion: String)

    /// No label, or `dev`, is compatible; otherwise the versions must be equal (a leading
    /// `v` is ignored on either side).
    public static func evaluate(imageVersion: String?, cliVersion: String) -> VersionCompatibility {
        guard let imageVersion, !imageVersion.isEmpty, imageVersion != "dev" else { return .compatible }
        func bare(_ version: String) -> String { version.hasPrefix("v") ? String(version.dropFirst()) : version }
        return bare(imageVersion) == bare(cliVersion) ? .compatible : .mismatch(imageVersion: imageVersion, cliVersion: cliVersion)
    }
}

/// Reads an image's labels from its registry without pulling it.
public protocol RemoteImageInspector: Sendable {
    /// The labels of `reference`'s image configuration; nil when the registry has no such image.
    func labels(of reference: ImageReference) async throws -> [String: String]?
}

/// Labels via the native registry client: one manifest GET and one config-blob GET.
public struct RegistryImageInspector: RemoteImageInspector {
    public let insecureRegistries: [String]
    public let credentials: any CredentialSource

    public init(insecureRegistries: [String] = [], credentials: any CredentialSource = ChainedCredentials.standard) {
        self.insecureRegistries = insecureRegistries
        self.credentials = credentials
    }

    public func labels(of reference: ImageReference) async throws -> [String: String]? {
        let insecure: Bool? = insecureRegistries.contains(reference.registry) ? true : nil
        // One attempt: this only decides whether to warn, and a registry that is down fails
        // the pull that follows with a better message.
        let client = RegistryClient(registry: reference.registry, credentials: credentials, insecure: insecure,
                                    retryPolicy: .none, requestTimeout: .seconds(15))
        return try await client.imageConfiguration(of: reference)?.labels
    }
}

/// Lets a version warning through at most once per interval, remembering the last one in a
/// timestamp file so the limit holds across runs.
public actor VersionWarningThrottle {
    public let file: URL
    public let interval: TimeInterval

    public init(stateDirectory: URL, interval: TimeInterval = 3600) {
        file = stateDirectory.appendingPathComponent("version-warning.timestamp")
        self.interval = interval
    }

    /// True (and the time recorded) when no warning was let through within `interval` of `now`.
    public func shouldWarn(now: Date) -> Bool {
        if let text = try? String(contentsOf: file, encoding: .utf8),
           let last = TimeInterval(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           now.timeIntervalSince1970 - last < interval, now.timeIntervalSince1970 >= last {
            return false
        }
        try? OubliettePaths.ensurePrivateDirectory(file.deletingLastPathComponent())
        // A lost timestamp only means one extra warning, so a failed write is not an error.
        try? AtomicFile.write(Data(String(now.timeIntervalSince1970).utf8), to: file)
        return true
    }
}

/// The version policy an ImageManager applies before pulling.
public struct VersionCheckPolicy: Sendable {
    public let inspector: any RemoteImageInspector
    public let cliVersion: String
    public let throttle: VersionWarningThrottle
    /// Receives the warning text (the CLI prints it to stderr).
    public let warn: @Sendable (String) -> Void

    public init(inspector: any RemoteImageInspector, cliVersion: String = OublietteVersion.current,
                throttle: VersionWarningThrottle, warn: @escaping @Sendable (String) -> Void) {
        self.inspector = inspector
        self.cliVersion = cliVersion
        self.throttle = throttle
        self.warn = warn
    }

    static func warningText(type: String, reference: ImageReference, imageVersion: String, cliVersion: String) -> String {
        "warning: image \(reference.description) for container type '\(type)' is version \(imageVersion), "
            + "but this oubliette is \(cliVersion); upgrade oubliette or pin a matching image in oubliette.jsonc "
            + "(pass --ignore-version to skip this check)"
    }
}
