import Foundation
import ImageCatalogue
import OCIDistribution

/// `--registry HOST[:PORT][/NAMESPACE]`: publish every catalogue image under another host
/// and namespace, keeping the image name (`ghcr.io/hyphagroup/oubliette-base` with
/// `127.0.0.1:5000/ci` becomes `127.0.0.1:5000/ci/oubliette-base`).
package struct RegistryOverride: Sendable, Equatable, Codable {
    package let host: String
    package let namespace: String?

    package init(parsing value: String) throws(ReleasePlanError) {
        let trimmed = value.hasSuffix("/") ? String(value.dropLast()) : value
        guard !trimmed.isEmpty, !trimmed.contains("://") else {
            throw .invalidRegistryOverride(value, reason: "give a host, not a URL")
        }
        let parts = trimmed.split(separator: "/", maxSplits: 1).map(String.init)
        host = parts[0]
        namespace = parts.count > 1 ? parts[1] : nil
        // Validate with the reference grammar using a probe name; a host needs a '.' or ':'
        // or to be localhost to be recognised as one.
        let probe = "\(trimmed)/probe"
        do {
            let parsed = try ImageReference(parsing: probe)
            guard parsed.registry == host else {
                throw ReleasePlanError.invalidRegistryOverride(
                    value, reason: "'\(host)' is not recognised as a registry host (it needs a '.', a ':PORT' or to be localhost)")
            }
        } catch let error as ReleasePlanError {
            throw error
        } catch {
            throw .invalidRegistryOverride(value, reason: String(describing: error))
        }
    }

    package func repository(for entry: ImageCatalogue.Entry) -> String {
        [host, namespace, entry.imageName].compactMap { $0 }.joined(separator: "/")
    }
}

/// Turns a git remote URL into the public https URL for `org.opencontainers.image.source`,
/// dropping credentials (CI checkouts embed tokens in the remote URL) and `.git`.
package enum SourceURL {
    package static func normalize(_ remote: String) -> String? {
        var text = remote.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix(".git") { text = String(text.dropLast(4)) }
        // scp-like `git@github.com:owner/repo`
        if !text.contains("://"), let colon = text.firstIndex(of: ":"), let at = text.firstIndex(of: "@"), at < colon {
            let host = text[text.index(after: at)..<colon]
            let path = text[text.index(after: colon)...]
            return "https://\(host)/\(path)"
        }
        guard var components = URLComponents(string: text), let host = components.host, !host.isEmpty else { return nil }
        guard ["https", "http", "ssh", "git"].contains(components.scheme ?? "") else { return nil }
        components.scheme = "https"
        components.user = nil
        components.password = nil
        components.port = nil
        return components.string
    }
}
