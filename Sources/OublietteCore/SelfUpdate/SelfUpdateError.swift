import SystemSupport

/// Why a self-update (or its check or rollback) did not happen; the binary is untouched in
/// every case.
package enum SelfUpdateError: Error, Sendable, DescribedError {
    case unreachable(url: String, reason: String)
    case timedOut(url: String, seconds: Int)
    case httpStatus(url: String, status: UInt)
    case malformedReleases(url: String, reason: String)
    case noSuchRelease(version: String, url: String)
    case noStableRelease(url: String)
    case missingAsset(name: String, release: String)
    case truncated(url: String, expected: Int, received: Int)
    case missingChecksum(asset: String)
    case checksumMismatch(asset: String, expected: String, actual: String)
    case extractFailed(asset: String, reason: String)
    case newBinaryBroken(reason: String)
    case downgradeRefused(current: String, newest: String)
    case unknownPlatform(os: String, arch: String)
    case nothingToRollBack(path: String)
    case installFailed(path: String, reason: String)
    case insecureURL(url: String)
    case insecureRedirect(from: String, to: String)
    case tooManyRedirects(url: String, limit: Int)
    case downloadTooLarge(url: String, limit: Int, declared: Int?)
    case unsafeArchiveMember(asset: String, member: String, kind: String)
    /// The release has no Sigstore bundle for the archive (and checksum-only was not asked for).
    case missingSignature(asset: String, release: String)
    /// The archive's bundle does not verify (the failed check is in `reason`).
    case signatureRefused(asset: String, reason: String)
    case trustedRootUnusable(reason: String)

    package var description: String {
        switch self {
        case let .unreachable(url, reason):
            "cannot reach the releases at \(url): \(reason); check the network (or OUBLIETTE_RELEASES_URL) and try again"
        case let .timedOut(url, seconds):
            "no answer from \(url) within \(seconds)s; check the network (or OUBLIETTE_RELEASES_URL) and try again"
        case let .httpStatus(url, status):
            "\(url) answered HTTP \(status); try again later, or check OUBLIETTE_RELEASES_URL"
        case let .malformedReleases(url, reason):
            "\(url) did not return a releases list oubliette understands (\(reason)); check OUBLIETTE_RELEASES_URL"
        case let .noSuchRelease(version, url):
            "there is no release \(version) at \(url); see the releases page for the published versions"
        case let .noStableRelease(url):
            "\(url) lists no stable release; pass --pre to consider prereleases"
        case let .missingAsset(name, release):
            "release \(release) has no asset \(name); this platform may not be published for it, install from source"
        case let .truncated(url, expected, received):
            "the download from \(url) stopped after \(received) of \(expected) bytes; the binary was not changed, try again"
        case let .missingChecksum(asset):
            "SHA256SUMS has no line for \(asset); refusing to install an unverified binary"
        case let .checksumMismatch(asset, expected, actual):
            "\(asset) has SHA-256 \(actual) but SHA256SUMS says \(expected); refusing to install it (the binary was not changed)"
        case let .extractFailed(asset, reason):
            "cannot unpack \(asset): \(reason)"
        case let .newBinaryBroken(reason):
            "the downloaded oubliette does not run (\(reason)); the binary was not changed"
        case let .downgradeRefused(current, newest):
            "the newest release (\(newest)) is older than this oubliette (\(current)); pass --to \(newest) to downgrade on purpose"
        case let .unknownPlatform(os, arch):
            "no release binaries are published for \(os)/\(arch); build from source"
        case let .nothingToRollBack(path):
            "\(path) does not exist: there is no previous oubliette to roll back to"
        case let .installFailed(path, reason):
            "cannot replace \(path): \(reason); check that its directory is writable (or reinstall with scripts/install.sh)"
        case let .insecureURL(url):
            "refusing \(url): releases are fetched over https only (plain http only from a loopback address such as 127.0.0.1); fix OUBLIETTE_RELEASES_URL"
        case let .insecureRedirect(from, to):
            "\(from) redirected to \(to), from https to plain http; refusing to follow it (the binary was not changed)"
        case let .tooManyRedirects(url, limit):
            "\(url) redirected more than \(limit) times; refusing to follow further (the binary was not changed)"
        case let .downloadTooLarge(url, limit, declared):
            "the download from \(url) is larger than \(limit) bytes (\(declared.map { "the release declares \($0)" } ?? "the most oubliette accepts")); stopped, the binary was not changed"
        case let .unsafeArchiveMember(asset, member, kind):
            "\(asset) holds \(member) as \(kind), not a regular file; refusing to install it (the binary was not changed)"
        case let .missingSignature(asset, release):
            "release \(release) has no \(asset)\(ArchiveSignaturePolicy.bundleSuffix), the Sigstore bundle proving its release workflow built \(asset); refusing to install it (the binary was not changed). Pass --insecure-skip-signature to rely on SHA256SUMS alone, which comes from the same server as the archive"
        case let .signatureRefused(asset, reason):
            "the Sigstore bundle of \(asset) does not verify: \(reason); refusing to install it (the binary was not changed)"
        case let .trustedRootUnusable(reason):
            "cannot use the Sigstore trusted root: \(reason)"
        }
    }
}
