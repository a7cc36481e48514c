import ContainerRuntimes
import Foundation
import ImageBuilders
import ImageCatalogue
import Logging
import OCIDistribution
import SystemSupport

/// Makes sure the image for a container type is present in the runtime, pulling it on
/// first use so an end user never runs a build script.
///
/// Every way an image enters the runtime — first use (`ensureImage`), refresh and update
/// (`pullLatest`), local builds — goes through one manager per process (see
/// ``OublietteServices``), so concurrent requests for the same image share one pull (single
/// flight) and every pull passes the same version check. Progress events go to the caller
/// whose request started the flight.
package actor ImageManager {
    /// What `ensureImage` found or did.
    package struct EnsuredImage: Sendable, Equatable {
        package let type: String
        package let reference: ImageReference
        /// True when this call (or the shared flight it joined) pulled the image.
        package let pulled: Bool
        /// True when it was built locally (`image_source: build`).
        package var built = false
        package let image: RuntimeImage
    }

    package let config: OublietteConfig
    private let runtime: any ContainerRuntime
    /// Where pulls record what they verified; `PreviousImage` moves records with the images.
    package nonisolated let provenance: ProvenanceStore
    private let now: @Sendable () -> Date
    private let versionPolicy: VersionCheckPolicy?
    private nonisolated let localBuild: LocalBuildSettings?
    private let retryPolicy: RetryPolicy
    private let sleeper: any Sleeper
    private let platformCheck: ImagePlatformCheck?
    private let signatureCheck: ImageSignatureCheck?
    /// Each engine pull retry at debug (what, attempt, delay).
    private nonisolated let logger: Logger
    private var inFlight: [ImageReference: Flight] = [:]

    /// A pull or presence check under way for one image reference.
    private struct Flight {
        enum Kind { case ensure, pull }
        let kind: Kind
        let id: UUID
        let task: Task<EnsuredImage, any Error>
        /// Callers that joined rather than started it (observable in tests).
        var joiners = 0
    }

    /// How many callers are waiting on the flight for `reference` besides the one that started it.
    func callersWaiting(on reference: ImageReference) -> Int { inFlight[reference]?.joiners ?? 0 }

    /// - Parameters:
    ///   - config: which image each type uses, its source, mirrors and `verify` settings.
    ///   - runtime: the engine where images are looked up and pulled (local builds land there too).
    ///   - provenance: where each pull or build records what it obtained and verified.
    ///   - versionPolicy: when set, a missing image's version label is read from the
    ///     registry before it is pulled, and a mismatch is reported (at most once an hour).
    ///   - localBuild: how to build images when `image_source` is `build`.
    ///   - retryPolicy: backoff for engine pulls that failed transiently (network, 5xx, 429).
    ///   - sleeper: waits out the backoff; tests pass one that does not sleep.
    ///   - platformCheck: before each pull, checks the image publishes the runtime's platform.
    ///   - signatureCheck: before each pull (and, under `verify: enforce`, before an unrecorded
    ///     image in the engine is used), checks the image's signature; nil checks none.
    ///   - logger: where each engine pull retry is logged (at debug).
    ///   - now: the clock for provenance records and the version-warning throttle.
    package init(
        config: OublietteConfig, runtime: any ContainerRuntime, provenance: ProvenanceStore,
        versionPolicy: VersionCheckPolicy? = nil, localBuild: LocalBuildSettings? = nil,
        retryPolicy: RetryPolicy = .default, sleeper: any Sleeper = ContinuousSleeper(),
        platformCheck: ImagePlatformCheck? = nil,
        signatureCheck: ImageSignatureCheck? = nil,
        logger: Logger = Logger(label: "oubliette.images"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.logger = logger
        self.platformCheck = platformCheck
        self.signatureCheck = signatureCheck
        self.retryPolicy = retryPolicy
        self.sleeper = sleeper
        self.config = config
        self.versionPolicy = versionPolicy
        self.localBuild = localBuild
        self.runtime = runtime
        self.provenance = provenance
        self.now = now
    }

    // MARK: Type resolution

    /// Whether local builds are configured (`image_source: build`, `--rebuild-image`).
    package nonisolated var canBuild: Bool { localBuild != nil }
    package nonisolated var validTypes: [String] { config.validTypes }
    package nonisolated func isValidType(_ type: String) -> Bool { config.isValidType(type) }

    // MARK: Ensuring images

    /// Present → one engine call, no pull. Missing → pull (or, in dev mode, an error saying
    /// how to build it).
    package func ensureImage(type: String, onEvent: @escaping @Sendable (PullEvent) -> Void = { _ in }) async throws -> EnsuredImage {
        let reference = try config.imageReference(for: type)
        // Any flight for this image answers "is it present?": a pull under way makes it so.
        if let flight = inFlight[reference] {
            inFlight[reference]?.joiners += 1
            return try await flight.task.value.retyped(type)
        }
        return try await fly(.ensure, reference) { try await self.acquire(type: type, reference: reference, onEvent: onEvent) }
    }

    /// What a caller of ``pullLatest(type:around:onEvent:)`` wraps around the pull when its call
    /// starts the flight: ``PreviousImage/replace(_:onEvent:acquire:)`` keeping `previous`.
    package typealias PullStep = @Sendable (_ pull: @Sendable () async throws -> RuntimeImage) async throws -> RuntimeImage

    /// Pulls `type`'s image even when a copy is present (what refresh and update mean),
    /// falling back to the mirrors, and records its provenance. Joins a pull of the same image
    /// already under way; waits out a presence check and then pulls if it did not.
    ///
    /// `around` runs inside the flight, and only when this call starts it: a caller that joins
    /// a flight joins its pull at once instead of first doing its own work around it (staging
    /// `previous` before joining let the flight end and cost a second pull), and two refreshes
    /// never stage `previous` at the same time.
    package func pullLatest(
        type: String, around: PullStep? = nil, onEvent: @escaping @Sendable (PullEvent) -> Void = { _ in }
    ) async throws -> RuntimeImage {
        let reference = try config.imageReference(for: type)
        // Each flight is waited on once: a finished presence check may still be registered
        // (its starter has not resumed yet), and waiting on it again would spin on the actor.
        var waited: Set<UUID> = []
        while let flight = inFlight[reference], !waited.contains(flight.id) {
            waited.insert(flight.id)
            inFlight[reference]?.joiners += 1
            let joined = try await flight.task.value
            if flight.kind == .pull || joined.pulled { return joined.image }
        }
        return try await fly(.pull, reference) {
            let pull: @Sendable () async throws -> RuntimeImage = { try await self.pull(type: type, reference: reference, onEvent: onEvent) }
            let image = if let around { try await around(pull) } else { try await pull() }
            return EnsuredImage(type: type, reference: reference, pulled: true, image: image)
        }.image
    }

    /// Runs `work` as the one flight for `reference`; concurrent callers join it.
    private func fly(
        _ kind: Flight.Kind, _ reference: ImageReference,
        _ work: @escaping @Sendable () async throws -> EnsuredImage
    ) async throws -> EnsuredImage {
        let flight = Flight(kind: kind, id: UUID(), task: Task { try await work() })
        inFlight[reference] = flight
        defer { if inFlight[reference]?.id == flight.id { inFlight[reference] = nil } }
        return try await flight.task.value
    }

    /// Ensures every configured type, parents of the catalogue first (sorted otherwise).
    /// Returns one result per type; a failure for one type does not stop the others.
    package func ensureAll(onEvent: @escaping @Sendable (String, PullEvent) -> Void = { _, _ in }) async -> [(
        type: String, result: Result<EnsuredImage, any Error>
    )] {
        var results: [(type: String, result: Result<EnsuredImage, any Error>)] = []
        for type in validTypes {
            do {
                let ensured = try await ensureImage(type: type) { onEvent(type, $0) }
                results.append((type, .success(ensured)))
            } catch {
                results.append((type, .failure(error)))
            }
        }
        return results
    }

    private func acquire(type: String, reference: ImageReference, onEvent: @escaping @Sendable (PullEvent) -> Void) async throws -> EnsuredImage {
        if try await runtime.imageExists(reference) {
            let image = try await runtime.inspectImage(reference)
            try await requireVerifiedIfEnforced(type: type, reference: reference, image: image)
            return EnsuredImage(type: type, reference: reference, pulled: false, image: image)
        }
        if config.imageSource == .build {
            return try await buildLocally(type: type)
        }
        if config.devMode {
            throw ImageManagerError.missingInDevMode(
                type: type, image: reference.familiarDescription,
                buildCommand: Self.localBuildCommand(for: type, reference: reference, config: config))
        }
        let image = try await pull(type: type, reference: reference, onEvent: onEvent)
        return EnsuredImage(type: type, reference: reference, pulled: true, image: image)
    }

    /// The one pull path: signature and version checks, registry then mirrors, provenance.
    ///
    /// The engine pulls by the digest the signature check resolved (`name@sha256:…`), never
    /// the tag, so a tag moved after the check cannot bring other content in; the configured
    /// name is given to the image only once its digest matched.
    private func pull(type: String, reference: ImageReference, onEvent: @escaping @Sendable (PullEvent) -> Void) async throws -> RuntimeImage {
        // Before anything is pulled: under enforce an unverified image never reaches the engine.
        let signature = try await signatureCheck?.check(type: type, reference: reference)
        await warnOnVersionMismatch(type: type, reference: reference)
        let platform = try await platformCheck?.verify(reference, runtime: runtime)
        let pinned = signature?.digest.flatMap { try? Digest($0) }
        let source = try await pullWithMirrors(type: type, reference: reference, pinned: pinned, onEvent: onEvent)
        // By the digest pulled, not the name: the ID recorded (and run) is the verified image's
        // even if the name was re-tagged since.
        let image = try await runtime.inspectImage(pinned.map { source.withDigest($0) } ?? reference)
        let pulledDigest = pinned ?? image.repoDigest(for: source) ?? image.repoDigest(for: reference)
        do {
            try await provenance.record(
                ImageProvenance(
                    reference: reference.description,
                    digest: pulledDigest?.description,
                    version: image.labels[OublietteVersion.label],
                    source: .prebuilt,
                    registry: source.registry,
                    acquiredAt: now(),
                    platform: platform?.platform,
                    publishedPlatforms: platform?.published,
                    signature: signature,
                    imageID: image.id
                ))
        } catch {
            throw ImageManagerError.provenance(error)
        }
        return image
    }

    /// Under `verify: enforce`, an image already in the engine is used only when oubliette
    /// built it, or its digest has a verification record, or it verifies now.
    private func requireVerifiedIfEnforced(type: String, reference: ImageReference, image: RuntimeImage) async throws {
        guard let signatureCheck, config.verify.effective(for: type, image: reference).mode == .enforce else { return }
        let record: ImageProvenance?
        do { record = try await provenance.all()[reference.description] } catch { throw ImageManagerError.provenance(error) }
        if record?.vouches(for: image, as: reference) == true { return }
        let digest = image.repoDigest(for: reference)
        guard let digest else {
            throw SignatureCheckError.unverified(
                type: type, image: reference.description, digest: image.id, keys: config.verify.effective(for: type, image: reference).expected,
                reason:
                    "the image in the engine was not pulled from a registry and has no registry digest; "
                    + "remove it (docker rmi \(reference.description)) and pull it again")
        }
        let pinned = ImageReference(registry: reference.registry, repository: reference.repository, tag: nil, digest: digest)
        let signature = try await signatureCheck.check(type: type, reference: pinned)
        guard signature.status == .verified else { return }
        do {
            try await provenance.record(
                ImageProvenance(
                    reference: reference.description, digest: digest.description, version: image.labels[OublietteVersion.label],
                    source: .prebuilt, registry: reference.registry, acquiredAt: now(), signature: signature, imageID: image.id))
        } catch {
            throw ImageManagerError.provenance(error)
        }
    }

    /// Pulls from the image's own registry, then from each configured mirror in order (the
    /// same repository path on the mirror). With a `pinned` digest every candidate is pulled
    /// as `name@digest`, its digest compared, and only then tagged with the configured name;
    /// an image whose digest differs is removed again. Returns the reference actually
    /// pulled; the error lists every attempt.
    private func pullWithMirrors(
        type: String, reference: ImageReference, pinned: Digest?,
        onEvent: @escaping @Sendable (PullEvent) -> Void
    ) async throws -> ImageReference {
        let candidates =
            [reference]
            + config.registryMirrors.filter { $0 != reference.registry }.map {
                ImageReference(registry: $0, repository: reference.repository, tag: reference.tag, digest: reference.digest)
            }
        var failures: [String] = []
        for candidate in candidates {
            let pullReference =
                pinned.map { ImageReference(registry: candidate.registry, repository: candidate.repository, tag: nil, digest: $0) } ?? candidate
            var attempts = 0
            do {
                try await pullRetrying(pullReference, attempts: &attempts, onEvent: onEvent)
            } catch {
                // What was tried: "3 attempts at ghcr.io: …; 1 attempt at mirror.example: …".
                let tried = "\(attempts) attempt\(attempts == 1 ? "" : "s") at \(candidate.registry)"
                failures.append(candidates.count == 1 && attempts == 1 ? Self.reason(error) : "\(tried): \(Self.reason(error))")
                continue
            }
            if let pinned {
                let pulled = try? await runtime.inspectImage(pullReference)
                let got = pulled?.repoDigests(for: pullReference) ?? []
                guard got.contains(pinned) else {
                    // Never leave content other than what was verified under a usable name.
                    try? await runtime.removeImage(pullReference, force: false)
                    throw SignatureCheckError.digestChanged(
                        type: type, image: candidate.description, verified: pinned.description, pulled: got.first?.description ?? "nothing")
                }
            }
            if pullReference != reference { try await runtime.tagImage(pullReference, as: reference) }
            return candidate
        }
        throw ImageManagerError.pullFailed(
            type: type, image: reference.description, reason: failures.joined(separator: "; "),
            manualCommand: Self.manualPullCommand(runtime.kind, reference))
    }

    /// One registry: retried with backoff while the failure looks transient.
    /// Each wait is announced first: "127.0.0.1:5000 unreachable (connection refused);
    /// retrying in 2 s (attempt 2 of 4)". `attempts` counts the tries made.
    private func pullRetrying(
        _ reference: ImageReference, attempts: inout Int, onEvent: @escaping @Sendable (PullEvent) -> Void
    ) async throws {
        var retry = 0
        while true {
            attempts = retry + 1
            do {
                try await runtime.pull(reference, onEvent: onEvent)
                return
            } catch {
                let reason = Self.reason(error)
                guard retry < retryPolicy.backoff.count, EnginePullRetry.isTransient(reason) else { throw error }
                let delay = retryPolicy.backoff[retry]
                let cause = EnginePullRetry.transientCause(reason).map { " (\($0))" } ?? ""
                onEvent(
                    PullEvent(
                        status: "registry \(reference.registry) unreachable\(cause); retrying in \(delay.formattedSeconds) "
                            + "(attempt \(retry + 2) of \(retryPolicy.backoff.count + 1))"))
                logger.debug(
                    "retrying the engine pull of \(reference) after: \(reason)",
                    metadata: ["attempt": "\(retry + 2)", "delay": "\(delay.formattedSeconds)"])
                try await sleeper.sleep(for: delay)
                retry += 1
            }
        }
    }

    /// Builds `type` from its Dockerfile even when the image exists (what `update
    /// --rebuild-image` means); missing ancestors are built first.
    package func rebuild(type: String, noCache: Bool) async throws -> EnsuredImage {
        try await buildLocally(type: type, noCache: noCache)
    }

    /// Builds `type` and any missing ancestors from the catalogue's Dockerfiles, parents
    /// first; each child gets its parent as `BASE_IMAGE` and records the parent's image ID in
    /// `org.opencontainers.image.base.digest`.
    private func buildLocally(type: String, noCache: Bool = false) async throws -> EnsuredImage {
        guard let localBuild else { throw ImageManagerError.buildUnavailable(type: type) }
        let chain = localBuild.catalogue.catalogue.ancestry(of: type)
        guard chain.last?.type == type else {
            throw ImageManagerError.notBuildable(type: type, buildable: localBuild.catalogue.catalogue.types)
        }
        var parent: (reference: ImageReference, image: RuntimeImage)?
        var result: EnsuredImage?
        for entry in chain {
            let reference = try config.imageReference(for: entry.type)
            if entry.type != type, try await runtime.imageExists(reference) {
                parent = (reference, try await runtime.inspectImage(reference))
                continue
            }
            var arguments = localBuild.buildArguments.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
            var labels: [(key: String, value: String)] = [
                (OublietteVersion.label, "dev"),
                ("org.opencontainers.image.title", entry.imageName),
            ]
            if let parent {
                arguments.append((key: "BASE_IMAGE", value: parent.reference.description))
                labels.append(("org.opencontainers.image.base.digest", parent.image.id))
                labels.append(("org.opencontainers.image.base.name", parent.reference.description))
            }
            var request = BuildRequest(
                type: entry.type, dockerfile: localBuild.catalogue.dockerfileURL(for: entry),
                context: localBuild.catalogue.contextURL(for: entry), buildArguments: arguments, labels: labels,
                localName: reference.description,
                outputDirectory: localBuild.scratchDirectory.appendingPathComponent("build-\(entry.type)-\(UUID().uuidString.prefix(8))"),
                layoutTag: reference.tag ?? ImageReference.defaultTag, destination: reference)
            request.noCache = noCache && entry.type == type
            do {
                try await localBuild.builder.buildIntoEngine(request)
            } catch {
                throw ImageManagerError.buildFailed(type: entry.type, image: reference.description, reason: Self.reason(error))
            }
            let image = try await runtime.inspectImage(reference)
            do {
                try await provenance.record(
                    ImageProvenance(
                        reference: reference.description, digest: image.id, version: "dev",
                        source: .build, registry: nil, acquiredAt: now()))
            } catch {
                throw ImageManagerError.provenance(error)
            }
            parent = (reference, image)
            var built = EnsuredImage(type: entry.type, reference: reference, pulled: false, image: image)
            built.built = true
            result = built
        }
        guard let result else { throw ImageManagerError.notBuildable(type: type, buildable: localBuild.catalogue.catalogue.types) }
        return result
    }

    /// Compares the registry's version label with this CLI's, without pulling anything
    /// (catalogue images only; a custom image is always compatible).
    package func checkVersion(type: String) async throws -> VersionCompatibility {
        let reference = try config.imageReference(for: type)
        // A custom image's version label is its own, not oubliette's: never checked.
        guard let versionPolicy, config.isCatalogueImage(type) else { return .compatible }
        let labels = try await versionPolicy.inspector.labels(of: reference)
        return VersionCompatibility.evaluate(imageVersion: labels?[OublietteVersion.label], cliVersion: versionPolicy.cliVersion)
    }

    private func warnOnVersionMismatch(type: String, reference: ImageReference) async {
        guard let versionPolicy else { return }
        // An unreachable registry will fail the pull itself with a better message.
        let text: String
        switch try? await checkVersion(type: type) {
        case let .mismatch(imageVersion, cliVersion)?:
            text = VersionCheckPolicy.warningText(type: type, reference: reference, imageVersion: imageVersion, cliVersion: cliVersion)
        case let .developmentBuild(imageVersion, cliVersion)?:
            text = VersionCheckPolicy.developmentNote(type: type, reference: reference, imageVersion: imageVersion, cliVersion: cliVersion)
        case .compatible?, nil:
            return
        }
        guard await versionPolicy.throttle.shouldWarn(now: now(), type: type) else { return }
        versionPolicy.warn(text)
    }

    private static func reason(_ error: any Error) -> String { describe(error) }

    static func manualPullCommand(_ kind: RuntimeKind, _ reference: ImageReference) -> String {
        switch kind {
        case .docker: "docker pull \(reference.description)"
        case .apple: "container image pull \(reference.description)"
        }
    }

    /// The exact command that builds a catalogue image under its dev-mode name.
    static func localBuildCommand(for type: String, reference: ImageReference, config: OublietteConfig) -> String {
        let tag = reference.familiarDescription
        var command = "docker build -t \(tag) -f containers/\(type)/Dockerfile"
        if type != "base", let base = config.containers["base"], base.origin == .devMode {
            command += " --build-arg BASE_IMAGE=\(base.reference.familiarDescription)"
        }
        return command + " containers/\(type)"
    }
}

private extension ImageManager.EnsuredImage {
    /// A joiner asked for a different type that maps to the same image.
    func retyped(_ type: String) -> ImageManager.EnsuredImage {
        var copy = ImageManager.EnsuredImage(type: type, reference: reference, pulled: pulled, image: image)
        copy.built = built
        return copy
    }
}
