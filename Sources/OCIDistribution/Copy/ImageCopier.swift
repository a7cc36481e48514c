import Foundation
import SystemSupport

/// Copies an image (manifest or index with all its children) between registries and OCI
/// layouts: registry → registry, layout → registry (push), registry → layout (pull).
/// Blobs move concurrently (bounded); manifests are copied byte-for-byte, children first.
package struct ImageCopier: Sendable {
    /// Where registry clients come from (credentials, plain-HTTP registries, retries, upload
    /// policy): the caller's, so a copy's traffic shows in the counters of the clients it shares.
    package var registries: RegistryClientFactory
    /// Blobs moved at once.
    package var concurrency: Int
    /// Repositories of the destination registry to mount blobs from before uploading them.
    package var mountFrom: [RepositoryName]
    /// Registries to read from, in order, when the source registry fails (same repository path).
    package var sourceMirrors: [String]
    package var progress: TransferProgressHandler?
    /// Clients to use for given registries instead of the factory's (custom settings).
    package var clients: [String: RegistryClient]
    /// When the source is an index, copy only its manifest for this platform (as `skopeo
    /// copy --override-os/--override-arch` does); nil copies the index whole.
    package var platform: Platform?
    /// Push the root manifest by digest only, leaving every tag of the destination alone
    /// (per-platform release pushes; the index is tagged afterwards).
    package var untagged = false

    package init(
        registries: RegistryClientFactory, concurrency: Int = 4, mountFrom: [RepositoryName] = [], sourceMirrors: [String] = [],
        clients: [RegistryClient] = [], progress: TransferProgressHandler? = nil
    ) {
        self.registries = registries
        self.concurrency = max(1, concurrency)
        self.mountFrom = mountFrom
        self.sourceMirrors = sourceMirrors
        self.progress = progress
        self.clients = Dictionary(clients.map { ($0.registry, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A client for `registry`: a given one, else the factory's.
    package func client(for registry: String) async -> RegistryClient {
        if let existing = clients[registry] { return existing }
        return await registries.client(for: registry)
    }

    package func copy(from source: ImageLocation, to destination: ImageLocation) async throws -> CopyResult {

        // 1. The source's root manifest, from the registry or a mirror, or from the layout.
        let reader: CopySource
        var root: FetchedManifest
        var sourceRegistryUsed: String?
        switch source {
        case let .registry(reference):
            var lastError: (any Error)?
            var found: (CopySource, FetchedManifest)?
            for registry in [reference.registry] + sourceMirrors {
                let sourceClient = await client(for: registry)
                do {
                    let manifest = try await sourceClient.manifest(repository: reference.repositoryName, reference: reference.manifestReference)
                    found = (.registry(sourceClient, repository: reference.repositoryName), manifest)
                    sourceRegistryUsed = registry
                    break
                } catch {
                    lastError = error
                }
            }
            guard let found else { throw lastError ?? RegistryError.notFound(registry: reference.registry, what: reference.description) }
            (reader, root) = found
        case let .ociLayout(directory, tag):
            let layout = try OCILayout.open(directory)
            root = try layout.manifest(layout.descriptor(tag: tag))
            reader = .layout(layout)
        }
        if let platform, root.isIndex {
            let index = try root.imageIndex()
            guard let entry = index.manifest(for: platform) else {
                throw PlatformError.notInIndex(
                    wanted: platform.description, reference: source.description, available: index.platforms.map(\.description))
            }
            root = try await reader.manifest(entry)
        }

        // 2. The manifest tree, depth first: every child (an index may list indexes) comes
        //    before its parent, so each manifest's references exist when it is pushed.
        //    Foreign and non-distributable layers stay where their descriptors point.
        var children: [FetchedManifest] = []
        var blobs: [Descriptor] = []
        try await collect(root, from: reader, depth: 0, children: &children, blobs: &blobs)
        var seen = Set<Digest>()
        blobs = blobs.filter { MediaType.isDistributable($0) && seen.insert($0.digest).inserted }
        var seenManifests = Set<Digest>()
        children = children.filter { seenManifests.insert($0.digest).inserted }

        // 3. Blobs, at most `concurrency` at once.
        let writer: CopyDestination
        switch destination {
        case let .registry(reference):
            writer = .registry(await client(for: reference.registry), repository: reference.repositoryName)
        case let .ociLayout(directory, _):
            writer = .layout(try OCILayout.openOrCreate(directory))
        }
        var result = CopyResult(
            digest: root.digest, mediaType: root.mediaType, source: source.description,
            destination: destination.description, sourceRegistryUsed: sourceRegistryUsed)
        let plan = BlobPlan(reader: reader, writer: writer, mountFrom: mountFrom, progress: progress)
        try await withThrowingTaskGroup(of: BlobOutcome.self) { group in
            var pending = blobs[...]
            func addNext() {
                guard let blob = pending.popFirst() else { return }
                group.addTask { try await plan.copy(blob) }
            }
            for _ in 0..<concurrency { addNext() }
            while let outcome = try await group.next() {
                outcome.add(to: &result)
                addNext()
            }
        }

        // 4. Manifests: children by digest, then the root under the destination's name.
        for child in children {
            try await writer.put(child, tag: nil)
            result.manifestsCopied += 1
        }
        switch destination {
        case let .registry(reference):
            try await writer.put(root, tag: reference.digest == nil && !untagged ? reference.tag : nil)
        case let .ociLayout(directory, tag):
            try await writer.put(root, tag: tag)
            if tag == nil { try OCILayout(directory: directory).setTag(nil, to: root.descriptor) }
        }
        result.manifestsCopied += 1
        progress?(.manifestPushed(digest: root.digest, reference: destination.description))
        return result
    }
}

extension ImageCopier {
    /// Deepest index nesting copied; deeper trees are refused rather than copied in part.
    static let maximumIndexDepth = 4

    /// Appends `manifest`'s descendants (post-order, children before parents) and the blobs
    /// of every image manifest in the tree.
    private func collect(
        _ manifest: FetchedManifest, from reader: CopySource, depth: Int,
        children: inout [FetchedManifest], blobs: inout [Descriptor]
    ) async throws {
        if manifest.isIndex {
            guard depth < Self.maximumIndexDepth else {
                throw RegistryError.unsupportedMediaType(
                    manifest.mediaType,
                    context: "index \(manifest.digest) nests indexes more than \(Self.maximumIndexDepth) deep")
            }
            for entry in try manifest.imageIndex().manifests {
                guard MediaType.isIndex(entry.mediaType) || MediaType.isManifest(entry.mediaType) else {
                    throw RegistryError.unsupportedMediaType(entry.mediaType, context: "index \(manifest.digest) lists \(entry.digest)")
                }
                let child = try await reader.manifest(entry)
                try await collect(child, from: reader, depth: depth + 1, children: &children, blobs: &blobs)
                children.append(child)
            }
        } else {
            blobs += try manifest.imageManifest().blobs
        }
    }
}

/// Reads manifests and blobs from a registry repository or a layout.
enum CopySource: Sendable {
    case registry(RegistryClient, repository: RepositoryName)
    case layout(OCILayout)

    func manifest(_ descriptor: Descriptor) async throws -> FetchedManifest {
        switch self {
        case let .registry(client, repository):
            let fetched = try await client.manifest(repository: repository, reference: .digest(descriptor.digest))
            return fetched
        case let .layout(layout):
            return try layout.manifest(descriptor)
        }
    }
}

/// Writes manifests (and is the target of blobs) in a registry repository or a layout.
enum CopyDestination: Sendable {
    case registry(RegistryClient, repository: RepositoryName)
    case layout(OCILayout)

    /// Pushes manifest bytes; `tag` nil means by digest (registry) or untagged (layout).
    func put(_ manifest: FetchedManifest, tag: String?) async throws {
        switch self {
        case let .registry(client, repository):
            try await client.putManifest(
                manifest.bytes, mediaType: manifest.mediaType, repository: repository,
                reference: tag.map { .tag($0) } ?? .digest(manifest.digest))
        case let .layout(layout):
            // Children stay reachable through their parent; only the root gets an index.json entry.
            try layout.writeBlob(manifest.bytes)
            if let tag { try layout.setTag(tag, to: manifest.descriptor) }
        }
    }
}

/// What happened to one blob during a copy.
struct BlobOutcome: Sendable {
    var pushed: BlobPushOutcome?
    var downloadedBytes: Int64 = 0
    var alreadyInLayout = false

    func add(to result: inout CopyResult) {
        if downloadedBytes > 0 {
            result.blobsDownloaded += 1
            result.bytesDownloaded += downloadedBytes
        }
        switch pushed {
        case .existed?: result.blobsSkipped += 1
        case .mounted?: result.blobsMounted += 1
        case let .uploaded(bytes)?:
            result.blobsUploaded += 1
            result.bytesUploaded += bytes
        case nil: if alreadyInLayout { result.blobsSkipped += 1 }
        }
    }
}

/// Moves one blob from the reader to the writer by the cheapest path.
struct BlobPlan: Sendable {
    let reader: CopySource
    let writer: CopyDestination
    let mountFrom: [RepositoryName]
    let progress: TransferProgressHandler?

    func copy(_ blob: Descriptor) async throws -> BlobOutcome {
        switch (reader, writer) {
        case let (.layout(layout), .registry(client, repository)):
            let file = layout.blobURL(blob.digest)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw OCILayoutError.blobMissing(directory: layout.directory.path, digest: blob.digest.description)
            }
            let outcome = try await client.pushBlob(
                repository: repository, file: file, digest: blob.digest, size: blob.size,
                mountFrom: mountFrom, progress: progress)
            return BlobOutcome(pushed: outcome)

        case let (.registry(client, repository), .layout(layout)):
            if layout.hasBlob(blob.digest, size: blob.size) {
                progress?(.blobFinished(digest: blob.digest, outcome: .alreadyPresent))
                return BlobOutcome(alreadyInLayout: true)
            }
            try await client.pullBlob(
                repository: repository, digest: blob.digest, to: layout.blobURL(blob.digest),
                expectedSize: blob.size, progress: progress)
            return BlobOutcome(downloadedBytes: blob.size)

        case let (.registry(source, sourceRepository), .registry(target, targetRepository)):
            if try await target.blobExists(repository: targetRepository, digest: blob.digest) {
                progress?(.blobFinished(digest: blob.digest, outcome: .pushed(.existed)))
                return BlobOutcome(pushed: .existed)
            }
            var candidates = mountFrom
            if source.registry == target.registry { candidates.insert(sourceRepository, at: 0) }
            for from in candidates where from != targetRepository {
                if try await target.mountBlob(repository: targetRepository, digest: blob.digest, from: from) {
                    progress?(.blobFinished(digest: blob.digest, outcome: .pushed(.mounted(from: from))))
                    return BlobOutcome(pushed: .mounted(from: from))
                }
            }
            // Through a private temporary file: the blob is verified before any byte is uploaded.
            let scratch: URL
            do { scratch = try TemporaryDirectory.create(prefix: "oci-copy-") } catch {
                throw RegistryError.localFile(path: FileManager.default.temporaryDirectory.path, reason: "cannot create a staging directory: \(error)")
            }
            defer { TemporaryDirectory.remove(scratch) }
            let file = scratch.appendingPathComponent(blob.digest.encoded)
            try await source.pullBlob(repository: sourceRepository, digest: blob.digest, to: file, expectedSize: blob.size, progress: progress)
            let outcome = try await target.pushBlob(repository: targetRepository, file: file, digest: blob.digest, size: blob.size, progress: progress)
            return BlobOutcome(pushed: outcome, downloadedBytes: blob.size)

        case let (.layout(source), .layout(target)):
            if target.hasBlob(blob.digest, size: blob.size) { return BlobOutcome(alreadyInLayout: true) }
            let data = try source.readBlob(blob.digest)
            try target.writeBlob(data)
            return BlobOutcome(pushed: .uploaded(bytes: Int64(data.count)))
        }
    }
}
