import Foundation

/// What `oubliette status` prints: the runtime, then each configured type's image.
public struct StatusReport: Sendable, Encodable {
    public struct Runtime: Sendable, Encodable {
        public let kind: String
        public let version: String?
        public let apiVersion: String?
        /// Why the engine could not be reached; nil when it answered.
        public let error: String?

        enum CodingKeys: String, CodingKey { case kind, version, error, apiVersion = "api_version" }
    }

    public struct TypeStatus: Sendable, Encodable {
        public let type: String
        public let image: String
        public let present: Bool
        public let localDigest: String?
        public let version: String?
        /// `prebuilt`, `build`, or nil when oubliette did not obtain the image itself.
        public let source: String?
        public let registry: String?
        /// `v1.0.12 (prebuilt from ghcr.io)`, `v1.0.12 (built from source)`, …
        public let provenance: String
        public let remoteDigest: String?
        /// `available`, `up-to-date`, `not-checked` or `unknown` (the check failed; see `updateCheckError`).
        public let update: String
        public let updateCheckError: String?

        enum CodingKeys: String, CodingKey {
            case type, image, present, version, source, registry, provenance, update
            case localDigest = "local_digest", remoteDigest = "remote_digest", updateCheckError = "update_check_error"
        }
    }

    public let runtime: Runtime
    public let updateCheck: String
    public let types: [TypeStatus]

    enum CodingKeys: String, CodingKey { case runtime, types, updateCheck = "update_check" }
}

/// Remembers when each image was last compared with its registry, so `update_check: once`
/// asks at most once a day (`update-check.json` in the data directory).
public actor UpdateCheckCache {
    public struct Entry: Codable, Sendable, Equatable {
        public var checkedAt: Date
        public var remoteDigest: String?
        enum CodingKeys: String, CodingKey { case checkedAt = "checked_at", remoteDigest = "remote_digest" }
    }

    public let file: URL
    public init(dataDirectory: URL) { file = dataDirectory.appendingPathComponent("update-check.json") }

    public func entry(for reference: String) -> Entry? { load()[reference] }

    public func record(_ entry: Entry, for reference: String) {
        var all = load()
        all[reference] = entry
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // A lost cache only means one more registry request next time.
        try? OubliettePaths.ensurePrivateDirectory(file.deletingLastPathComponent())
        if let data = try? encoder.encode(all) { try? AtomicFile.write(data, to: file) }
    }

    private func load() -> [String: Entry] {
        guard let data = try? Data(contentsOf: file) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: Entry].self, from: data)) ?? [:]
    }
}

/// Builds a ``StatusReport``. The remote digest comes from a manifest HEAD (no pull).
public struct StatusReporter: Sendable {
    public typealias RemoteDigest = @Sendable (ImageReference) async throws -> Digest?

    public let config: OublietteConfig
    public let runtime: any ContainerRuntime
    public let provenance: ProvenanceStore
    public let cache: UpdateCheckCache
    public let remoteDigest: RemoteDigest
    public let now: @Sendable () -> Date

    public init(config: OublietteConfig, runtime: any ContainerRuntime, dataDirectory: URL,
                remoteDigest: RemoteDigest? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.runtime = runtime
        self.provenance = ProvenanceStore(dataDirectory: dataDirectory)
        self.cache = UpdateCheckCache(dataDirectory: dataDirectory)
        let insecure = config.insecureRegistries
        self.remoteDigest = remoteDigest ?? { reference in
            let client = RegistryClient(registry: reference.registry, insecure: insecure.contains(reference.registry) ? true : nil,
                                        requestTimeout: .seconds(15))
            return try await client.manifestDescriptor(repository: reference.repository, reference: reference.manifestReference)?.digest
        }
        self.now = now
    }

    public func report() async -> StatusReport {
        let runtimeStatus: StatusReport.Runtime
        var reachable = true
        do {
            let version = try await runtime.version()
            runtimeStatus = .init(kind: runtime.kind.rawValue, version: version.engineVersion, apiVersion: version.apiVersion, error: nil)
        } catch {
            reachable = false
            runtimeStatus = .init(kind: runtime.kind.rawValue, version: nil, apiVersion: nil, error: ContainerLifecycle.reason(error))
        }
        let records = (try? await provenance.all()) ?? [:]
        var types: [StatusReport.TypeStatus] = []
        for type in config.validTypes {
            guard let configured = config.containers[type] else { continue }
            types.append(await status(type: type, reference: configured.reference, record: records[configured.reference.description],
                                      runtimeReachable: reachable))
        }
        return StatusReport(runtime: runtimeStatus, updateCheck: config.updateCheck.rawValue, types: types)
    }

    private func status(type: String, reference: ImageReference, record: ImageProvenance?, runtimeReachable: Bool) async -> StatusReport.TypeStatus {
        var image: RuntimeImage?
        if runtimeReachable, (try? await runtime.imageExists(reference)) == true {
            image = try? await runtime.inspectImage(reference)
        }
        let localDigest = image?.repoDigest(for: reference)?.description ?? record?.digest
        let version = image?.labels[OublietteVersion.label] ?? record?.version
        let (remote, update, checkError) = await updateState(reference: reference, localDigest: image == nil ? nil : localDigest)
        return StatusReport.TypeStatus(
            type: type, image: reference.description, present: image != nil, localDigest: image == nil ? nil : localDigest,
            version: version, source: record?.source.rawValue, registry: record?.registry,
            provenance: Self.provenanceText(image: image, record: record, version: version),
            remoteDigest: remote, update: update, updateCheckError: checkError
        )
    }

    /// `v1.0.12 (prebuilt from ghcr.io)` / `v1.0.12 (built from source)`.
    public static func provenanceText(image: RuntimeImage?, record: ImageProvenance?, version: String?) -> String {
        guard image != nil else { return "not present" }
        let shown = version.map { $0.hasPrefix("v") || $0 == "dev" ? $0 : "v\($0)" } ?? "unversioned"
        guard let record else { return "\(shown) (not obtained by oubliette)" }
        switch record.source {
        case .prebuilt: return "\(shown) (prebuilt from \(record.registry ?? "its registry"))"
        case .build: return "\(shown) (built from source)"
        }
    }

    private func updateState(reference: ImageReference, localDigest: String?) async -> (remote: String?, update: String, error: String?) {
        let key = reference.description
        let remote: String?
        switch config.updateCheck {
        case .never:
            return (nil, "not-checked", nil)
        case .once:
            if let cached = await cache.entry(for: key), now().timeIntervalSince(cached.checkedAt) < 86_400, cached.checkedAt <= now() {
                remote = cached.remoteDigest
                break
            }
            fallthrough
        case .always:
            do {
                remote = try await remoteDigest(reference)?.description
                await cache.record(.init(checkedAt: now(), remoteDigest: remote), for: key)
            } catch {
                return (nil, "unknown", ContainerLifecycle.reason(error))
            }
        }
        guard let remote else { return (nil, "unknown", "the registry has no \(key)") }
        guard let localDigest else { return (remote, "available", nil) }
        return (remote, remote == localDigest ? "up-to-date" : "available", nil)
    }
}
