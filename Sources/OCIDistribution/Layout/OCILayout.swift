import Foundation
import SystemSupport

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), as written by
/// `buildah push … oci:DIR:TAG` and `skopeo copy … oci:DIR:TAG`. Every write goes to a temp file
/// that is renamed into place, so a crash never leaves a half-written blob or index.
package struct OCILayout: Sendable {
    package let directory: URL

    package static let layoutFileContents = #"{"imageLayoutVersion":"1.0.0"}"#

    package init(directory: URL) {
        self.directory = directory
    }

    /// Opens an existing layout; throws when `oci-layout` is missing.
    package static func open(_ directory: URL) throws(OCILayoutError) -> OCILayout {
        let layout = OCILayout(directory: directory)
        guard FileManager.default.fileExists(atPath: layout.layoutFile.path) else {
            throw .notALayout(directory: directory.path)
        }
        return layout
    }

    /// Opens the layout, creating an empty one (directory, `oci-layout`, `index.json`) if absent.
    package static func openOrCreate(_ directory: URL) throws(OCILayoutError) -> OCILayout {
        let layout = OCILayout(directory: directory)
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: layout.directory.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directory.path, reason: describe(error))
        }
        if !manager.fileExists(atPath: layout.layoutFile.path) {
            try layout.atomicWrite(Data(layoutFileContents.utf8), to: layout.layoutFile)
        }
        if !manager.fileExists(atPath: layout.indexFile.path) {
            try layout.writeIndex(ImageIndex(manifests: []))
        }
        return layout
    }

    package var layoutFile: URL { directory.appendingPathComponent("oci-layout") }
    package var indexFile: URL { directory.appendingPathComponent("index.json") }

    package func blobURL(_ digest: Digest) -> URL {
        directory.appendingPathComponent("blobs").appendingPathComponent(digest.algorithm).appendingPathComponent(digest.encoded)
    }

    package func index() throws(OCILayoutError) -> ImageIndex {
        let data: Data
        do { data = try Data(contentsOf: indexFile) } catch {
            throw .unreadable(path: indexFile.path, reason: describe(error))
        }
        do { return try RegistryJSON.decode(ImageIndex.self, from: data) } catch {
            throw .invalidIndex(path: indexFile.path, reason: describe(error))
        }
    }

    package func writeIndex(_ index: ImageIndex) throws(OCILayoutError) {
        let data: Data
        do { data = try RegistryJSON.encode(index) } catch {
            throw .unwritable(path: indexFile.path, reason: describe(error))
        }
        try atomicWrite(data, to: indexFile)
    }

    /// Tags named in `index.json` (`org.opencontainers.image.ref.name`).
    package func tags() throws(OCILayoutError) -> [String] {
        try index().manifests.compactMap { $0.annotations?[Descriptor.refNameAnnotation] }
    }

    /// The index entry for `tag`; with no tag, the only entry.
    package func descriptor(tag: String?) throws(OCILayoutError) -> Descriptor {
        let manifests = try index().manifests
        if let tag {
            guard let found = manifests.last(where: { $0.annotations?[Descriptor.refNameAnnotation] == tag }) else {
                throw .tagNotFound(directory: directory.path, tag: tag, available: manifests.compactMap { $0.annotations?[Descriptor.refNameAnnotation] })
            }
            return found
        }
        guard manifests.count == 1, let only = manifests.first else {
            throw .ambiguousTag(directory: directory.path, count: manifests.count)
        }
        return only
    }

    /// Whether the layout holds this blob intact: the size must match and the content must
    /// hash to the digest (a same-size file with other bytes is not trusted as present).
    package func hasBlob(_ digest: Digest, size: Int64? = nil) -> Bool {
        let url = blobURL(digest)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return false }
        if let size, (attributes[.size] as? NSNumber)?.int64Value != size { return false }
        return (try? Digest.sha256(ofFile: url)) == digest
    }

    /// A blob's bytes, verified against its digest.
    package func readBlob(_ digest: Digest) throws(OCILayoutError) -> Data {
        let url = blobURL(digest)
        guard FileManager.default.fileExists(atPath: url.path) else { throw .blobMissing(directory: directory.path, digest: digest.description) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: describe(error)) }
        let actual = Digest.sha256(of: data)
        guard actual == digest else { throw .blobCorrupt(path: url.path, expected: digest.description, actual: actual.description) }
        return data
    }

    /// Stores `data` as a blob (if not already there) and returns its digest.
    @discardableResult
    package func writeBlob(_ data: Data) throws(OCILayoutError) -> Digest {
        let digest = Digest.sha256(of: data)
        if !hasBlob(digest, size: Int64(data.count)) {
            try atomicWrite(data, to: blobURL(digest))
        }
        return digest
    }

    /// The manifest an index entry points at, exact bytes, digest verified.
    package func manifest(_ descriptor: Descriptor) throws(OCILayoutError) -> FetchedManifest {
        FetchedManifest(bytes: try readBlob(descriptor.digest), mediaType: descriptor.mediaType, digest: descriptor.digest)
    }

    /// Points `tag` at `descriptor` in `index.json`, replacing an entry with the same tag. With
    /// no tag, adds the descriptor unless an untagged entry with that digest exists.
    package func setTag(_ tag: String?, to descriptor: Descriptor) throws(OCILayoutError) {
        // index.json is read-modified-written under a lock: two copies into one layout must
        // not lose each other's entries. The lock is on `oci-layout`, which every layout has
        // and nothing ever replaces, so the layout gains no extra file.
        do {
            try FileLock(layoutFile).withLock { () throws(OCILayoutError) in
                try setTagLocked(tag, to: descriptor)
            }
        } catch let error as OCILayoutError {
            throw error
        } catch {
            throw .unwritable(path: indexFile.path, reason: describe(error))
        }
    }

    private func setTagLocked(_ tag: String?, to descriptor: Descriptor) throws(OCILayoutError) {
        var index = try index()
        var entry = descriptor
        if let tag {
            index.manifests.removeAll { $0.annotations?[Descriptor.refNameAnnotation] == tag }
            var annotations = entry.annotations ?? [:]
            annotations[Descriptor.refNameAnnotation] = tag
            entry.annotations = annotations
        } else if index.manifests.contains(where: { $0.digest == descriptor.digest && $0.annotations?[Descriptor.refNameAnnotation] == nil }) {
            return
        }
        index.manifests.append(entry)
        try writeIndex(index)
    }

    /// Through ``AtomicFile``: fsynced, renamed into place, directory synced.
    func atomicWrite(_ data: Data, to url: URL) throws(OCILayoutError) {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(data, to: url)
        } catch {
            throw .unwritable(path: url.path, reason: describe(error))
        }
    }
}
