import ContainerRuntimes
import Foundation
import ImageCatalogue
import OCIDistribution
import SystemSupport

/// What `oubliette status` prints: the runtime, then each configured type's image.
package struct StatusReport: Sendable, Encodable {
    package struct Runtime: Sendable, Encodable {
        package let kind: String
        package let version: String?
        package let apiVersion: String?
        /// Why the engine could not be reached; nil when it answered.
        package let error: String?
        /// The platform the engine runs images as (`linux/amd64`); nil when it did not say.
        package var platform: String? = nil

        enum CodingKeys: String, CodingKey { case kind, version, error, platform, apiVersion = "api_version" }
    }

    package struct TypeStatus: Sendable, Encodable {
        package let type: String
        package let image: String
        package let present: Bool
        package let localDigest: String?
        package let version: String?
        /// `prebuilt`, `build`, or nil when oubliette did not obtain the image itself.
        package let source: String?
        package let registry: String?
        /// `v1.0.12 (prebuilt from ghcr.io)`, `v1.0.12 (built from source)`, …
        package let provenance: String
        package let remoteDigest: String?
        /// `available`, `up-to-date`, `not-checked` or `unknown` (the check failed; see `updateCheckError`).
        package let update: String
        package let updateCheckError: String?
        /// The platform of the image in use, as checked at pull time.
        package var platform: String? = nil
        /// Every platform the image's reference published at pull time.
        package var publishedPlatforms: [String]? = nil
        /// Who signed the image in use, as verified before it was pulled: the keyless signer
        /// (`SAN (issuer …)`) or the public key; nil when no verification vouches for it.
        package var signedBy: String? = nil
        /// Where that signature was found (keyless: the referrer or cosign tag).
        package var signatureSource: String? = nil

        enum CodingKeys: String, CodingKey {
            case type, image, present, version, source, registry, provenance, update, platform
            case publishedPlatforms = "published_platforms"
            case signedBy = "signed_by", signatureSource = "signature_source"
            case localDigest = "local_digest", remoteDigest = "remote_digest", updateCheckError = "update_check_error"
        }
    }

    package let runtime: Runtime
    package let updateCheck: String
    package let types: [TypeStatus]
    /// This CLI's version, the newest release, and how the images' versions compare.
    package let cli: CLIStatus

    enum CodingKeys: String, CodingKey { case runtime, types, cli, updateCheck = "update_check" }
}

/// Remembers when each image was last compared with its registry, so `update_check: once`
/// asks at most once a day (`update-check.json` in the data directory).
package actor UpdateCheckCache {
    package struct Entry: Codable, Sendable, Equatable {
        package var checkedAt: Date
        package var remoteDigest: String?
        enum CodingKeys: String, CodingKey { case checkedAt = "checked_at", remoteDigest = "remote_digest" }
    }

    package nonisolated let file: URL
    private let state: JSONStateFile<[String: Entry]>

    package init(dataDirectory: URL) {
        file = dataDirectory.appendingPathComponent("update-check.json")
        state = JSONStateFile(file, mode: 0o644, empty: { [:] })
    }

    package func entry(for reference: String) -> Entry? { (try? state.read())?[reference] }

    package func record(_ entry: Entry, for reference: String) {
        // A lost cache entry only means one more registry request next time.
        _ = try? state.update { $0[reference] = entry }
    }
}

/// Builds a ``StatusReport``. The remote digest comes from a manifest HEAD (no pull).
package struct StatusReporter: Sendable {
    package typealias RemoteDigest = @Sendable (ImageReference) async throws -> Digest?

    package let config: OublietteConfig
    package let runtime: any ContainerRuntime
    package let provenance: ProvenanceStore
    package let cache: UpdateCheckCache
    package let remoteDigest: RemoteDigest
    package let now: @Sendable () -> Date
    /// The longest the update check of one report may take.
    package let deadline: Duration
    /// Asks for the newest released CLI (within `deadline`, beside the image checks); nil
    /// leaves it unchecked.
    package let cliReleases: CLIReleaseCheck?
    package let cliVersion: String

    /// - Parameters:
    ///   - config: the types reported, and the `update_check` and `verify` settings.
    ///   - runtime: asked for its version and for each type's local image.
    ///   - provenance: how each image was obtained (source, registry, signature).
    ///   - cache: when each image was last compared with its registry (`update_check: once`).
    ///   - registries: the clients the default `remoteDigest` asks.
    ///   - remoteDigest: how the registry's digest is read; by default a quick
    ///     manifest HEAD through `registries` (one attempt, short deadline).
    ///   - deadline: the longest the update checks of one report may take.
    ///   - cliReleases: asks for the newest released CLI; nil leaves it unchecked.
    ///   - cliVersion: this CLI's version, compared with the newest release and the images' labels.
    ///   - now: the clock that dates cache entries and decides whether they are a day old.
    package init(
        config: OublietteConfig, runtime: any ContainerRuntime, provenance: ProvenanceStore, cache: UpdateCheckCache,
        registries: RegistryClientFactory, remoteDigest: RemoteDigest? = nil, deadline: Duration = .seconds(3),
        cliReleases: CLIReleaseCheck? = nil, cliVersion: String = OublietteVersion.current,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.deadline = deadline
        self.cliReleases = cliReleases
        self.cliVersion = cliVersion
        self.config = config
        self.runtime = runtime
        self.provenance = provenance
        self.cache = cache
        self.remoteDigest =
            remoteDigest ?? { reference in
                let client = await registries.client(for: reference.registry, purpose: .quickCheck)
                return try await client.manifestDescriptor(repository: reference.repositoryName, reference: reference.manifestReference)?.digest
            }
        self.now = now
    }

    package func report() async -> StatusReport {
        let runtimeStatus: StatusReport.Runtime
        var reachable = true
        do {
            let version = try await runtime.version()
            var answered = StatusReport.Runtime(kind: runtime.kind.rawValue, version: version.engineVersion, apiVersion: version.apiVersion, error: nil)
            answered.platform = await ImagePlatformCheck.runtimePlatforms(runtime)?.first?.description
            runtimeStatus = answered
        } catch {
            reachable = false
            runtimeStatus = .init(kind: runtime.kind.rawValue, version: nil, apiVersion: nil, error: ContainerLifecycle.reason(error))
        }
        // The CLI release question runs beside the image checks under the same deadline.
        let cliCheck = config.updateCheck == .never ? nil : cliReleases
        let deadline = self.deadline
        async let cliLatest = cliCheck?.latest(deadline: deadline)
        let records = (try? await provenance.all()) ?? [:]
        let runtimeReachable = reachable
        // Types are checked concurrently, each registry question is asked once without
        // retries, and the whole report waits at most `deadline`: offline, `status` answers
        // at once with `unknown (offline)` instead of backing off type after type.
        let configured = config.validTypes.compactMap { config.containers[$0] }
        let types = await withTaskGroup(of: (Int, StatusReport.TypeStatus).self) { group in
            for (index, entry) in configured.enumerated() {
                group.addTask {
                    (
                        index,
                        await self.status(
                            type: entry.type, reference: entry.reference,
                            record: records[entry.reference.description], runtimeReachable: runtimeReachable)
                    )
                }
            }
            var collected: [(Int, StatusReport.TypeStatus)] = []
            for await result in group { collected.append(result) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let latest = await cliLatest
        let cli = CLIStatus(
            version: cliVersion, latest: latest?.latest, checkError: latest?.error,
            // Custom images carry their own version labels: only catalogue images are compared.
            imageVersions: types.filter { $0.present && config.isCatalogueImage($0.type) }.map { ($0.type, $0.version) })
        return StatusReport(runtime: runtimeStatus, updateCheck: config.updateCheck.rawValue, types: types, cli: cli)
    }

    private func status(type: String, reference: ImageReference, record: ImageProvenance?, runtimeReachable: Bool) async -> StatusReport.TypeStatus {
        var image: RuntimeImage?
        if runtimeReachable, (try? await runtime.imageExists(reference)) == true {
            image = try? await runtime.inspectImage(reference)
        }
        let localDigest = image?.repoDigest(for: reference)?.description ?? record?.digest
        let version = image?.labels[OublietteVersion.label] ?? record?.version
        // With the engine down the local image is unknown, so nothing can be "available"; an
        // image built here has no registry counterpart to compare with.
        let (remote, update, checkError): (String?, String, String?)
        if !runtimeReachable {
            (remote, update, checkError) = (nil, "unknown", "the container engine is unreachable, so the local image cannot be compared")
        } else if image != nil, record?.source == .build {
            (remote, update, checkError) = (nil, "not-checked", nil)
        } else {
            (remote, update, checkError) = await updateState(reference: reference, localDigest: image == nil ? nil : localDigest)
        }
        var status = StatusReport.TypeStatus(
            type: type, image: reference.description, present: image != nil, localDigest: image == nil ? nil : localDigest,
            version: version, source: record?.source.rawValue, registry: record?.registry,
            provenance: Self.provenanceText(
                image: image, record: record, version: version, enforced: config.verify.effective(for: type, image: reference).mode == .enforce,
                reference: reference),
            remoteDigest: remote, update: update, updateCheckError: checkError
        )
        status.platform = record?.platform
        status.publishedPlatforms = record?.publishedPlatforms
        // Only a record that vouches for exactly the image in the engine says who signed it.
        if let image, let record, record.vouches(for: image, as: reference), let signer = record.signature?.signer {
            status.signedBy = signer
            status.signatureSource = record.signature?.source
        }
        return status
    }

    /// `v1.0.12 (prebuilt from ghcr.io; verified …)` / `v1.0.12 (built from source; exempt …)`.
    /// Under `verify: enforce`, a present image that is not the one a record says was verified
    /// (or built here) is shown as UNVERIFIED: oubliette will not start containers from it.
    package static func provenanceText(
        image: RuntimeImage?, record: ImageProvenance?, version: String?, enforced: Bool = false, reference: ImageReference? = nil
    ) -> String {
        guard let image else { return "not present" }
        let shown = version.map { $0.hasPrefix("v") || $0 == "dev" ? $0 : "v\($0)" } ?? "unversioned"
        if enforced, record?.vouches(for: image, as: reference) != true {
            return "\(shown) (UNVERIFIED: no verification record for the image in the engine; "
                + "verify is enforce, so it is checked before use and refused unless it verifies)"
        }
        guard let record else { return "\(shown) (not obtained by oubliette)" }
        switch record.source {
        case .prebuilt:
            // Nothing is added when verification is off, so the text is what it was before `verify`.
            let signature = record.signature.flatMap { $0.status == .off ? nil : "; \($0.summary)" } ?? ""
            return "\(shown) (prebuilt from \(record.registry ?? "its registry")\(signature))"
        // Local builds are never signature-checked (they have no publisher); say so, as for dev mode.
        case .build: return "\(shown) (built from source; exempt from signature verification)"
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
            switch await withDeadline(deadline, { try await remoteDigest(reference)?.description }) {
            case let .finished(.success(found)):
                remote = found
                await cache.record(.init(checkedAt: now(), remoteDigest: remote), for: key)
            case let .finished(.failure(error)):
                if case RegistryError.transport = error { return (nil, "unknown", "offline: \(ContainerLifecycle.reason(error))") }
                return (nil, "unknown", ContainerLifecycle.reason(error))
            case .timedOut:
                return (nil, "unknown", "offline: \(reference.registry) did not answer within \(deadline.formattedSeconds)")
            }
        }
        guard let remote else { return (nil, "unknown", "the registry has no \(key)") }
        guard let localDigest else { return (remote, "available", nil) }
        return (remote, remote == localDigest ? "up-to-date" : "available", nil)
    }
}
