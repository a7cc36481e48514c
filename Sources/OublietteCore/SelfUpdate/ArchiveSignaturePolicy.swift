import Foundation
import SigstoreVerification

/// How self-update checks the Sigstore bundle the release publishes beside each archive
/// (`<archive>.sigstore.json`, written by `actions/attest` in the release workflow): keyless,
/// offline, against a trusted root, before the archive is unpacked or anything replaced.
package enum ArchiveSignaturePolicy: Sendable {
    /// The bundle must exist, verify against `trustedRoot`, and be signed by `identity`.
    case required(trustedRoot: TrustedRoot, identity: IdentityPolicy)
    /// SHA256SUMS only (`--insecure-skip-signature`): the checksum comes from the same server
    /// as the archive, so it proves integrity of the download, not who built it.
    case checksumOnly

    /// The suffix the release workflow gives each archive's bundle.
    package static let bundleSuffix = ".sigstore.json"

    /// The identity of the release workflow of `repository` (`owner/name`) on a `v*` tag, as
    /// Fulcio certifies it for GitHub Actions.
    package static func releaseWorkflowIdentity(repository: String) -> IdentityPolicy {
        let escaped = NSRegularExpression.escapedPattern(for: "https://github.com/\(repository)/.github/workflows/release.yml@refs/tags/v")
        return IdentityPolicy(
            issuer: "https://token.actions.githubusercontent.com", subject: .pattern(escaped + ".+"), repository: repository, ref: "refs/tags/v*")
    }

    /// The repository whose releases `baseURL` lists (`https://api.github.com/repos/OWNER/NAME`),
    /// else this project's: a mirror or test server still serves this project's signed archives.
    package static func repository(forReleasesAt baseURL: String) -> String {
        let prefix = "https://api.github.com/repos/"
        guard baseURL.hasPrefix(prefix) else { return ReleaseCatalog.defaultRepository }
        let parts = baseURL.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else { return ReleaseCatalog.defaultRepository }
        return "\(parts[0])/\(parts[1])"
    }

    /// The default: the release workflow's identity under the shipped public-good root, or
    /// under `trustedRootFile` when one is given (another Sigstore instance).
    package static func releaseWorkflow(repository: String, trustedRootFile: URL? = nil) throws(SelfUpdateError) -> ArchiveSignaturePolicy {
        do throws(BundleVerificationError) {
            let root: TrustedRoot
            if let trustedRootFile { root = try TrustedRoot(contentsOf: trustedRootFile) } else { root = try TrustedRoot.publicGood() }
            return .required(trustedRoot: root, identity: releaseWorkflowIdentity(repository: repository))
        } catch {
            throw .trustedRootUnusable(reason: error.description)
        }
    }
}
