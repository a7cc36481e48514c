import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SystemSupport

extension RegistryClient {
    /// Largest manifest we accept (the distribution spec's limit is 4 MiB).
    static let manifestSizeLimit = 8 << 20

    private nonisolated func manifestURL(_ repository: RepositoryName, _ reference: ManifestReference) -> String {
        "\(baseURL)/v2/\(repository)/manifests/\(reference)"
    }

    private static var acceptHeaders: HTTPHeaders {
        HTTPHeaders([("Accept", MediaType.acceptedManifestTypes.joined(separator: ", "))])
    }

    /// Fetches a manifest or index by tag or digest, with exact bytes and a verified digest.
    package nonisolated func manifest(repository: RepositoryName, reference: ManifestReference) async throws -> FetchedManifest {
        let request = RegistryRequest(
            method: .GET, url: manifestURL(repository, reference), headers: Self.acceptHeaders,
            scopes: [Self.pullScope(repository)], label: "GET manifest \(repository):\(reference)")
        let response = try await send(request)
        try await expect(response, [200], request: request, notFound: "manifest \(repository):\(reference)")
        let buffer = try await body(of: response, upTo: Self.manifestSizeLimit, request: request)
        let bytes = Data(buffer.readableBytesView)
        let mediaType =
            Self.mediaType(contentType: response.headers["Content-Type"].first)
            ?? FetchedManifest.declaredMediaType(of: bytes) ?? ""
        guard MediaType.acceptedManifestTypes.contains(mediaType) else {
            throw RegistryError.unsupportedMediaType(mediaType, context: "\(registry)/\(repository):\(reference)")
        }
        let computed = Digest.sha256(of: bytes)
        let what = "manifest \(registry)/\(repository):\(reference)"
        if let pinned = reference.digest, pinned != computed {
            throw RegistryError.digestMismatch(what: what, expected: pinned.description, actual: computed.description)
        }
        if let header = response.headers["Docker-Content-Digest"].first, let claimed = try? Digest(header),
            claimed.algorithm == "sha256", claimed != computed
        {
            throw RegistryError.digestMismatch(what: what, expected: claimed.description, actual: computed.description)
        }
        return FetchedManifest(bytes: bytes, mediaType: mediaType, digest: computed)
    }

    /// `HEAD` a manifest: its descriptor, or nil when the tag/digest does not exist.
    package nonisolated func manifestDescriptor(repository: RepositoryName, reference: ManifestReference) async throws -> Descriptor? {
        let request = RegistryRequest(
            method: .HEAD, url: manifestURL(repository, reference), headers: Self.acceptHeaders,
            scopes: [Self.pullScope(repository)], label: "HEAD manifest \(repository):\(reference)")
        let response = try await send(request)
        if response.statusCode == 404 {
            await response.drain()
            return nil
        }
        try await expect(response, [200], request: request, notFound: "manifest \(repository):\(reference)")
        await response.drain()
        let mediaType = Self.mediaType(contentType: response.headers["Content-Type"].first)
        guard let header = response.headers["Docker-Content-Digest"].first, let digest = try? Digest(header),
            let mediaType, let size = response.headers["Content-Length"].first.flatMap({ Int64($0) })
        else {
            // Some registries omit the digest on HEAD; fall back to fetching the bytes.
            return try await manifest(repository: repository, reference: reference).descriptor
        }
        return Descriptor(mediaType: mediaType, digest: digest, size: size)
    }

    /// Pushes manifest bytes exactly as given under a tag or digest; returns their digest.
    @discardableResult
    package nonisolated func putManifest(_ bytes: Data, mediaType: String, repository: RepositoryName, reference: ManifestReference) async throws -> Digest {
        if let declared = FetchedManifest.declaredMediaType(of: bytes), declared != mediaType {
            throw RegistryError.mediaTypeMismatch(declared: declared, requested: mediaType)
        }
        let digest = Digest.sha256(of: bytes)
        if let pinned = reference.digest, pinned != digest {
            throw RegistryError.digestMismatch(what: "manifest pushed as \(repository)@\(pinned)", expected: pinned.description, actual: digest.description)
        }
        let buffer = ByteBuffer(bytes: bytes)
        let request = RegistryRequest(
            method: .PUT, url: manifestURL(repository, reference),
            headers: HTTPHeaders([("Content-Type", mediaType)]),
            body: { .bytes(buffer) },
            scopes: [Self.pushScope(repository)], label: "PUT manifest \(repository):\(reference)")
        let response = try await send(request)
        try await expect(response, [200, 201], request: request, notFound: "repository \(repository)")
        await response.drain()
        if let header = response.headers["Docker-Content-Digest"].first, let claimed = try? Digest(header),
            claimed.algorithm == "sha256", claimed != digest
        {
            throw RegistryError.digestMismatch(
                what: "manifest \(repository):\(reference) as stored by \(registry)", expected: digest.description, actual: claimed.description)
        }
        await record { $0.manifestsPushed += 1 }
        return digest
    }

    /// Encodes `manifest` deterministically and pushes it.
    @discardableResult
    package nonisolated func putManifest(_ manifest: ImageManifest, repository: RepositoryName, reference: ManifestReference) async throws -> Digest {
        try await putManifest(
            RegistryJSON.encode(manifest), mediaType: manifest.mediaType ?? MediaType.ociManifest,
            repository: repository, reference: reference)
    }

    @discardableResult
    package nonisolated func putManifest(_ index: ImageIndex, repository: RepositoryName, reference: ManifestReference) async throws -> Digest {
        try await putManifest(
            RegistryJSON.encode(index), mediaType: index.mediaType ?? MediaType.ociIndex,
            repository: repository, reference: reference)
    }

    /// Deletes a manifest by digest (the registry must allow deletes).
    package nonisolated func deleteManifest(repository: RepositoryName, digest: Digest) async throws {
        let request = RegistryRequest(
            method: .DELETE, url: manifestURL(repository, .digest(digest)),
            scopes: ["repository:\(repository):delete", Self.pushScope(repository)],
            label: "DELETE manifest \(repository)@\(digest)")
        let response = try await send(request)
        if response.statusCode == 405 {
            await response.drain()
            throw RegistryError.unexpectedStatus(
                registry: registry, request: request.label, status: 405,
                detail: "deletes are disabled on this registry (distribution: storage.delete.enabled)")
        }
        try await expect(response, [200, 202], request: request, notFound: "manifest \(repository)@\(digest)")
        await response.drain()
    }

    /// Adds `tags` to the manifest `reference` points at by re-putting its exact bytes: no blob traffic.
    package nonisolated func addTags(_ tags: [String], to reference: ImageReference) async throws {
        guard RegistryHost.matches(reference.registry, registry) else {
            throw RegistryError.wrongRegistry(expected: registry, got: reference.registry)
        }
        for tag in tags where !ImageReference.isValidTag(tag) {
            throw ImageReferenceError.invalidTag(reference: reference.description, tag: tag)
        }
        let fetched = try await manifest(repository: reference.repositoryName, reference: reference.manifestReference)
        for tag in tags {
            try await putManifest(fetched.bytes, mediaType: fetched.mediaType, repository: reference.repositoryName, reference: .tag(tag))
        }
    }

    /// The image configuration (labels, env…) of `reference`, or nil when the tag does not
    /// exist. For an index, the entry for `platform` (default: this host's platform, see
    /// ``Platform/host``); an index without that platform is an error naming what it has.
    package nonisolated func imageConfiguration(of reference: ImageReference, platform: Platform? = nil) async throws -> ImageConfiguration? {
        guard RegistryHost.matches(reference.registry, registry) else {
            throw RegistryError.wrongRegistry(expected: registry, got: reference.registry)
        }
        var fetched: FetchedManifest
        do {
            fetched = try await manifest(repository: reference.repositoryName, reference: reference.manifestReference)
        } catch let error as RegistryError where error.isNotFound {
            return nil
        }
        if fetched.isIndex {
            let index = try fetched.imageIndex()
            let wanted = platform ?? .host
            guard let entry = index.manifest(for: wanted) else {
                throw PlatformError.notInIndex(
                    wanted: wanted.description, reference: reference.description, available: index.platforms.map(\.description))
            }
            fetched = try await manifest(repository: reference.repositoryName, reference: .digest(entry.digest))
        }
        let manifest = try fetched.imageManifest()
        let data = try await blob(repository: reference.repositoryName, digest: manifest.config.digest)
        do { return try RegistryJSON.decode(ImageConfiguration.self, from: data) } catch {
            throw RegistryError.invalidManifest(digest: manifest.config.digest.description, reason: "config blob: \(describe(error))")
        }
    }

    static func mediaType(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let base = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return base.isEmpty ? nil : base
    }
}
