import Foundation

/// The image an inventory describes: what the user named, the platform manifest's digest
/// (the SBOM's root), and the index digest when it came from a multi-platform index.
package struct ImageSubject: Sendable, Hashable, Codable {
    package var name: String
    package var manifestDigest: String
    package var indexDigest: String?
    package var platform: String?

    package init(name: String, manifestDigest: String, indexDigest: String? = nil, platform: String? = nil) {
        self.name = name
        self.manifestDigest = manifestDigest
        self.indexDigest = indexDigest
        self.platform = platform
    }

    /// The repository part of `name` (without tag or digest), for the purl and SPDX name.
    package var repository: String {
        var base = name
        if let at = base.firstIndex(of: "@") { base = String(base[..<at]) }
        if let colon = base.lastIndex(of: ":"), !base[colon...].contains("/") { base = String(base[..<colon]) }
        return base
    }

    /// `pkg:oci/NAME@DIGEST?repository_url=…` per the purl spec's oci type.
    package var purl: String {
        let last = repository.split(separator: "/").last.map(String.init) ?? repository
        var qualifiers: [String: String] = [:]
        if let platform, let arch = platform.split(separator: "/").dropFirst().first { qualifiers["arch"] = String(arch) }
        if repository.contains("/") && !repository.hasPrefix("/") { qualifiers["repository_url"] = repository }
        return PackageURL.build(type: "oci", name: last.lowercased(), version: manifestDigest, qualifiers: qualifiers)
            ?? "pkg:oci/\(PackageURL.component(last.lowercased()))@\(PackageURL.component(manifestDigest))"
    }
}
