import Foundation
import OCIDistribution
import SystemSupport

/// Reads an image's inventory from an OCI layout directory: picks the manifest (by tag, and
/// by platform in an index), streams each layer blob once, bottom to top.
package struct ImageLayoutReader: Sendable {
    package var layout: OCILayout

    package init(directory: URL) throws(InventoryError) {
        do { layout = try OCILayout.open(directory) } catch { throw .image(error.description) }
    }

    /// `platform` is `os/arch[/variant]`; nil takes the host's linux platform when an index
    /// offers it, else the only one.
    package func read(tag: String?, platform: String?, name: String) throws(InventoryError) -> (ImageSubject, Inventory) {
        let fetched: FetchedManifest
        let manifest: ImageManifest
        var indexDigest: String?
        var chosen: String?
        do {
            let top = try layout.manifest(try layout.descriptor(tag: tag))
            if top.isIndex {
                indexDigest = top.digest.description
                let index = try top.imageIndex()
                let descriptor = try Self.select(index.manifests, platform: platform, name: name)
                chosen = descriptor.platform?.description
                fetched = try layout.manifest(descriptor)
            } else {
                fetched = top
            }
            manifest = try fetched.imageManifest()
        } catch let error as InventoryError {
            throw error
        } catch let error as OCILayoutError {
            throw .image(error.description)
        } catch let error as RegistryError {
            throw .image(error.description)
        } catch {
            throw .image("\(name): \(describe(error))")
        }
        if chosen == nil, let data = try? layout.readBlob(manifest.config.digest),
            let config = try? JSONCoding.decode(ImageConfiguration.self, from: data)
        {
            chosen = "\(config.os)/\(config.architecture)"
        }
        var tree = LayeredFileTree.forInventory()
        for (index, layer) in manifest.layers.enumerated() {
            let label = "\(index + 1)/\(manifest.layers.count) \(layer.digest) of \(name)"
            let url = layout.blobURL(layer.digest)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw .image("\(name): layer \(layer.digest) is missing from \(layout.directory.path) (copy the image again)")
            }
            try tree.apply(layerFile: url, label: label, sha256Hex: layer.digest.algorithm == "sha256" ? layer.digest.encoded : nil)
        }
        let subject = ImageSubject(name: name, manifestDigest: fetched.digest.description, indexDigest: indexDigest, platform: chosen)
        return (subject, try Inventory.read(from: tree))
    }

    /// The platforms (`os/arch[/variant]`) of the image `tag` names when it is an index, in
    /// index order; `[nil]` for a single-platform image.
    package func platforms(tag: String?) throws(InventoryError) -> [String?] {
        do {
            let top = try layout.manifest(try layout.descriptor(tag: tag))
            guard top.isIndex else { return [nil] }
            return try top.imageIndex().manifests.compactMap { descriptor -> String?? in
                guard let platform = descriptor.platform, platform.os != "unknown", platform.architecture != "unknown" else { return nil }
                return .some(platform.description)
            }
        } catch let error as OCILayoutError {
            throw .image(error.description)
        } catch let error as RegistryError {
            throw .image(error.description)
        } catch {
            throw .image(describe(error))
        }
    }

    /// The index entry for `platform` (see ``read(tag:platform:name:)`` for the default).
    package static func select(_ manifests: [Descriptor], platform: String?, name: String) throws(InventoryError) -> Descriptor {
        let images = manifests.filter { descriptor in
            guard let platform = descriptor.platform else { return false }
            return platform.os != "unknown" && platform.architecture != "unknown"
        }
        let offered = images.compactMap { $0.platform?.description }
        if let platform {
            if let match = images.first(where: { $0.platform?.description == platform }) { return match }
            // "linux/arm64" also matches an entry with variant v8.
            if let match = images.first(where: { "\($0.platform?.os ?? "")/\($0.platform?.architecture ?? "")" == platform }) { return match }
            throw .image("\(name) has no \(platform) image; it offers: \(offered.joined(separator: ", "))")
        }
        #if arch(arm64)
            let host = "linux/arm64"
        #else
            let host = "linux/amd64"
        #endif
        if let match = images.first(where: { "\($0.platform?.os ?? "")/\($0.platform?.architecture ?? "")" == host }) { return match }
        guard images.count == 1, let only = images.first else {
            throw .image("\(name) is a multi-platform index without \(host); choose one with --platform (offered: \(offered.joined(separator: ", ")))")
        }
        return only
    }
}
