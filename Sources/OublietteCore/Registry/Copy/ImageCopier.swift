import AsyncHTTPClient
import Foundation

/// Copies an image (manifest or index with all its children) between registries and OCI
/// layouts: registry → registry, layout → registry (push), registry → layout (pull).
/// Blobs move concurrently (bounded); manifests are copied byte-for-byte, children first.
public struct ImageCopier: Sendable {
    public var credentials: any CredentialSource
    /// Registries reached over plain HTTP besides loopback ones.
    public var insecureRegistries: Set<String>
    public var retryPolicy: RetryPolicy
    public var sleeper: any Sleeper
    public var uploadPolicy: UploadPolicy
    public var httpClient: HTTPClient
    /// Blobs moved at once.
    public var concurrency: Int
    /// Repositories of the destination registry to mount blobs from before uploading them.
    public var mountFrom: [String]
    /// Registries to read from, in order, when the source registry fails (same repository path).
    public var sourceMirrors: [String]
    public var progress: TransferProgressHandler?
    /// Clients to use for given registries (shared counters, custom settings); others are made.
    public var clients: [String: RegistryClient]

    public init(credentials: any CredentialSource = ChainedCredentials.standard, insecureRegistries: Set<String> = [],
                retryPolicy: RetryPolicy = .default, sleeper: any Sleeper = ContinuousSleeper(), uploadPolicy: UploadPolicy = .default,
                httpClient: HTTPClient = .oubliette, concurrency: Int = 4, mountFrom: [String] = [], sourceMirrors: [String] = [],
                clients: [RegistryClient] = [], progress: TransferProgressHandler? = nil) {
        self.credentials = credentials
        self.insecureRegistries = insecureRegistries
        self.retryPolicy = retryPolicy
        self.sleeper = sleeper
        self.uploadPolicy = uploadPolicy
        self.httpClient = httpClient
        self.concurrency = max(1, concurrency)
        self.mountFrom = mountFrom
        self.sourceMirrors = sourceMirrors
        self.progress = progress
        self.clients = Dictionary(clients.map { ($0.registry, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// A client for `registry`: a given one, else a new one with this copier's settings.
    public func client(for registry: String) -> RegistryClient {
        if let existing = clients[registry] { return existing }
        return RegistryClient(registry: registry, credentials: credentials,
                              insecure: insecureRegistries.contains(registry) ? true : nil,
                              retryPolicy: retryPolicy, sleeper: sleeper, httpClient: httpClient, uploadPolicy: uploadPolicy)
    }

    public func copy(from source: ImageLocation, to destination: ImageLocation) async throws -> CopyResult {
        var clientsByRegistry = clients
        func clientFor(_ registry: String) -> RegistryClient {
            if let made = clientsByRegistry[registry] { return made }
            let made = client(for: registry)
            clientsByRegistry[registry] = made
            return made
        }

        // 1. The source's root manifest, from the registry or a mirror, or from the layout.
        let reader: CopySource
        let root: FetchedManifest
        var sourceRegistryUsed: String?
        switch source {
        case let .registry(reference):
            var lastError: (any Error)?
            var found: (CopySource, FetchedManifest)?
            for registry in [reference.registry] + sourceMirrors {
                let sourceClient = clientFor(registry)
                do {
                    let manifest = try await sourceClient.manifest(repository: reference.repository, reference: reference.manifestReference)
                    found = (.registry(sourceClient, repository: reference.repository), manifest)
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

        // 2. The manifest tree: children of an index first, each with its blobs.
        var children: [FetchedManifest] = []
        var blobs: [Descriptor] = []
        if root.isIndex {
            for entry in try root.imageIndex().manifests {
                let child = try await reader.manifest(entry)
                children.append(child)
                if MediaType.isManifest(child.mediaType) { blobs += try child.imageManifest().blobs }
            }
        } else {
            blobs = try root.imageManifest().blobs
        }
        var seen = Set<Digest>()
        blobs = blobs.filter { seen.insert($0.digest).inserted }

        // 3. Blobs, at most `concurrency` at once.
        let writer: CopyDestination
        switch destination {
        case let .registry(reference):
            writer = .registry(clientFor(reference.registry), repository: reference.repository)
        case let .ociLayout(directory, _):
            writer = .layout(try OCILayout.openOrCreate(directory))
        }
        var result = CopyResult(digest: root.digest, mediaType: root.mediaType, source: source.description,
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
            try await writer.put(root, tag: reference.digest == nil ? reference.tag : nil)
        case let .ociLayout(directory, tag):
            try await writer.put(root, tag: tag)
            if tag == nil { try OCILayout(directory: directory).setTag(nil, to: root.descriptor) }
        }
        result.manifestsCopied += 1
        progress?(.manifestPushed(digest: root.digest, reference: destination.description))
        return result
    }
}

/// Reads manifests and blobs from a registry repository or a layout.
enum CopySource: Sendable {
    case registry(RegistryClient, repository: String)
    case layout(OCILayout)

    func manifest(_ descriptor: Descriptor) async throws -> FetchedManifest {
        switch self {
        case let .registry(client, repository):
            let fetched = try await client.manifest(repository: repository, reference: descriptor.digest.description)
            return fetched
        case let .layout(layout):
            return try layout.manifest(descriptor)
        }
    }
}

/// Writes manifests (and is the target of blobs) in a registry repository or a layout.
enum CopyDestination: Sendable {
    case registry(RegistryClient, repository: String)
    case layout(OCILayout)

    /// Pushes manifest bytes; `tag` nil means by digest (registry) or untagged (layout).
    func put(_ manifest: FetchedManifest, tag: String?) async throws {
        switch self {
        case let .registry(client, repository):
            try await client.putManifest(manifest.bytes, mediaType: manifest.mediaType, repository: repository,
                                         reference: tag ?? manifest.digest.description)
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
    let mountFrom: [String]
    let progress: TransferProgressHandler?

    func copy(_ blob: Descriptor) async throws -> BlobOutcome {
        switch (reader, writer) {
        case let (.layout(layout), .registry(client, repository)):
            let file = layout.blobURL(blob.digest)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw OCILayoutError.blobMissing(directory: layout.directory.path, digest: blob.digest.description)
            }
            let outcome = try await client.pushBlob(repository: repository, file: file, digest: blob.digest, size: blob.size,
                                                    mountFrom: mountFrom, progress: progress)
            return BlobOutcome(pushed: outcome)

        case let (.registry(client, repository), .layout(layout)):
            if layout.hasBlob(blob.digest, size: blob.size) {
                progress?(.blobFinished(digest: blob.digest, outcome: .alreadyPresent))
                return BlobOutcome(alreadyInLayout: true)
            }
            try await client.pullBlob(repository: repository, digest: blob.digest, to: layout.blobURL(blob.digest),
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
            // Through a temporary file: the blob is verified before any byte is uploaded.
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("oubliette-copy-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
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
