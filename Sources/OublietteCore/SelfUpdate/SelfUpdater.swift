import Foundation
import ImageCatalogue
import OCIDistribution
import SigstoreVerification
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The platform part of asset names: `oubliette-<version>-<os>-<arch>.tar.gz`, with os
/// `linux` or `macos` and arch `x86_64` or `aarch64` (Apple's `arm64` is named `aarch64`).
package struct ReleasePlatform: Sendable, Equatable {
    package let os: String
    package let arch: String

    package static func current() throws(SelfUpdateError) -> ReleasePlatform {
        var names = utsname()
        uname(&names)
        let machine = withUnsafeBytes(of: &names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let arch: String
        switch machine {
        case "x86_64", "amd64": arch = "x86_64"
        case "aarch64", "arm64": arch = "aarch64"
        default: throw .unknownPlatform(os: hostOS, arch: machine)
        }
        return ReleasePlatform(os: hostOS, arch: arch)
    }

    private static var hostOS: String {
        #if os(Linux)
            "linux"
        #elseif os(macOS)
            "macos"
        #else
            "unknown"
        #endif
    }

    package func archiveName(version: String) -> String { "oubliette-\(version)-\(os)-\(arch).tar.gz" }
}

/// What `self-update --check` (and `status`) learn: this build's version and the release an
/// update would install, if any.
package struct SelfUpdatePlan: Sendable, Encodable, Equatable {
    package let current: String
    /// The release chosen (newest allowed, or the one asked for).
    package let target: String
    /// Whether installing `target` changes anything.
    package let updateAvailable: Bool
    package let isDowngrade: Bool
    package let archive: String
    let archiveURL: String
    /// The archive's size as the release declares it (the download stops past it).
    let archiveSize: Int?
    let checksumsURL: String
    /// `<archive>.sigstore.json`, when the release has it.
    let bundleURL: String?
    /// The release's tag, for messages.
    let tag: String

    enum CodingKeys: String, CodingKey { case current, target, updateAvailable, isDowngrade, archive }
}

/// What an install or a rollback did.
package struct SelfUpdateResult: Sendable, Encodable, Equatable {
    package let action: String
    package let binary: String
    package let previous: String
    package let from: String
    package let to: String
    /// Who signed the installed archive (the Fulcio certificate's SAN), nil when only the
    /// checksum was checked (`--insecure-skip-signature`) or nothing was installed.
    package let signedBy: String?
}

/// Finds, verifies and installs a released oubliette over the running binary.
package struct SelfUpdater: Sendable {
    package let catalog: ReleaseCatalog
    package let platform: ReleasePlatform
    package let currentVersion: String
    /// The binary to replace (the running executable).
    package let binary: URL
    package let runner: ProcessRunner
    /// What the archive's Sigstore bundle must prove before anything is unpacked.
    package let signature: ArchiveSignaturePolicy

    package init(
        catalog: ReleaseCatalog, platform: ReleasePlatform, currentVersion: String = OublietteVersion.current,
        binary: URL, signature: ArchiveSignaturePolicy, runner: ProcessRunner = ProcessRunner(defaultTimeout: .seconds(60))
    ) {
        self.catalog = catalog
        self.signature = signature
        self.platform = platform
        self.currentVersion = currentVersion
        self.binary = binary
        self.runner = runner
    }

    /// The running executable, symlinks resolved so the real file is replaced.
    package static func runningBinary() -> URL {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).resolvingSymlinksInPath()
    }

    package var previousBinary: URL { binary.deletingLastPathComponent().appendingPathComponent("\(binary.lastPathComponent).previous") }

    /// Chooses the release: `version` exactly, else the newest stable one (or prerelease with
    /// `includePrereleases`). A development build counts as older than every release.
    package func plan(version: String? = nil, includePrereleases: Bool = false) async throws(SelfUpdateError) -> SelfUpdatePlan {
        let releases = try await catalog.releases()
        let chosen: PublishedRelease
        if let version {
            guard let wanted = CLIVersion(version),
                let match = releases.first(where: { $0.version == wanted })
            else {
                throw .noSuchRelease(version: version, url: catalog.releasesURL)
            }
            chosen = match
        } else {
            guard let newest = releases.first(where: { includePrereleases || !$0.prerelease && $0.version?.isPrerelease == false }) else {
                throw .noStableRelease(url: catalog.releasesURL)
            }
            chosen = newest
        }
        guard let target = chosen.version else { throw .noSuchRelease(version: chosen.tagName, url: catalog.releasesURL) }
        let current = OublietteVersion.isDevelopment(currentVersion) ? nil : CLIVersion(currentVersion)
        let newer = current.map { target > $0 } ?? true
        let isDowngrade = current.map { target < $0 } ?? false
        if isDowngrade && version == nil {
            throw .downgradeRefused(current: currentVersion, newest: target.description)
        }
        let archive = platform.archiveName(version: target.description)
        guard let asset = chosen.asset(named: archive) else { throw .missingAsset(name: archive, release: chosen.tagName) }
        guard let sums = chosen.asset(named: "SHA256SUMS") else { throw .missingChecksum(asset: archive) }
        return SelfUpdatePlan(
            current: currentVersion, target: target.description,
            updateAvailable: newer || (version != nil && current != target),
            isDowngrade: isDowngrade, archive: archive,
            archiveURL: asset.browserDownloadURL, archiveSize: asset.size, checksumsURL: sums.browserDownloadURL,
            bundleURL: chosen.asset(named: archive + ArchiveSignaturePolicy.bundleSuffix)?.browserDownloadURL, tag: chosen.tagName)
    }

    /// Downloads, verifies and installs `plan`'s archive. Until the final rename the binary is
    /// untouched; afterwards the replaced one is `<binary>.previous`.
    package func install(_ plan: SelfUpdatePlan) async throws(SelfUpdateError) -> SelfUpdateResult {
        if case .required = signature, plan.bundleURL == nil { throw .missingSignature(asset: plan.archive, release: plan.tag) }
        let directory = binary.deletingLastPathComponent()
        removeStaleScratch(in: directory)
        // Private scratch beside the binary: same file system, so the final rename is atomic.
        let scratch: URL
        do { scratch = try TemporaryDirectory.create(in: directory, prefix: ".\(binary.lastPathComponent).update-") } catch {
            throw .installFailed(path: binary.path, reason: error.description)
        }
        defer { TemporaryDirectory.remove(scratch) }

        let sums = try await catalog.fetch(plan.checksumsURL, timeout: catalog.apiTimeout, limit: 1 << 20)
        guard let expected = Self.checksum(in: String(decoding: sums, as: UTF8.self), for: plan.archive) else {
            throw .missingChecksum(asset: plan.archive)
        }
        let archive = scratch.appendingPathComponent(plan.archive)
        let actual = try await catalog.download(plan.archiveURL, to: archive, declaredSize: plan.archiveSize).encoded
        guard actual == expected else { throw .checksumMismatch(asset: plan.archive, expected: expected, actual: actual) }
        let signedBy = try await verifySignature(plan, archive: archive)

        let unpacked = scratch.appendingPathComponent("unpacked")
        do {
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: false)
            _ = try await runner.check(ProcessRequest("tar", ["-xzf", archive.path, "-C", unpacked.path, "oubliette"]))
        } catch {
            throw .extractFailed(asset: plan.archive, reason: describe(error))
        }
        let fresh = unpacked.appendingPathComponent("oubliette")
        // A symlink (or hard link, device, directory) member must never be chmod-ed, run or
        // renamed over the binary: only a regular file with one link is.
        var info = stat()
        guard lstat(fresh.path, &info) == 0 else { throw .extractFailed(asset: plan.archive, reason: "no oubliette in the archive") }
        if let kind = Self.nonRegularKind(info) { throw .unsafeArchiveMember(asset: plan.archive, member: "oubliette", kind: kind) }
        guard chmod(fresh.path, 0o755) == 0 else { throw .extractFailed(asset: plan.archive, reason: "no oubliette in the archive") }
        // A binary that cannot even print its version must not replace a working one.
        do {
            let output = try await runner.check(ProcessRequest(fresh.path, ["--version"], timeout: .seconds(30)))
            guard output.stdoutText.contains(plan.target) else {
                throw SelfUpdateError.newBinaryBroken(
                    reason: "it reports version \(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)), expected \(plan.target)")
            }
        } catch let error as SelfUpdateError {
            throw error
        } catch {
            throw .newBinaryBroken(reason: describe(error))
        }
        try keepPrevious()
        try replace(binary, with: fresh)
        return SelfUpdateResult(
            action: "updated", binary: binary.path, previous: previousBinary.path, from: plan.current, to: plan.target, signedBy: signedBy)
    }

    /// Puts `<binary>.previous` back; the binary it replaces becomes the new `.previous`, so a
    /// second rollback undoes the first.
    package func rollback() async throws(SelfUpdateError) -> SelfUpdateResult {
        let previous = previousBinary
        guard FileManager.default.isExecutableFile(atPath: previous.path) else { throw .nothingToRollBack(path: previous.path) }
        let restoredVersion =
            (try? await runner.check(ProcessRequest(previous.path, ["--version"], timeout: .seconds(30))))?
            .stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        let held = binary.deletingLastPathComponent().appendingPathComponent(".\(binary.lastPathComponent).rollback-\(UUID().uuidString.prefix(8))")
        try link(binary, as: held)
        defer { unlink(held.path) }
        try replace(binary, with: previous)
        try replace(previous, with: held)
        return SelfUpdateResult(
            action: "rolled back", binary: binary.path, previous: previous.path, from: currentVersion, to: restoredVersion, signedBy: nil)
    }

    /// Verifies the downloaded archive's Sigstore bundle offline; returns who signed it, or nil
    /// when the policy is checksum only.
    private func verifySignature(_ plan: SelfUpdatePlan, archive: URL) async throws(SelfUpdateError) -> String? {
        guard case let .required(trustedRoot, identity) = signature else { return nil }
        guard let bundleURL = plan.bundleURL else { throw .missingSignature(asset: plan.archive, release: plan.tag) }
        // A bundle is a few kilobytes (certificate, proof, envelope); 4 MiB bounds a hostile one.
        let bundle = try await catalog.fetch(bundleURL, timeout: catalog.apiTimeout, limit: 4 << 20)
        do throws(BundleVerificationError) {
            let result = try await BundleVerifier(trustedRoot: trustedRoot).verify(
                bundleJSON: bundle, artifact: try BundleArtifact.file(at: archive), signer: .identity(identity))
            return result.identity?.subject
        } catch {
            throw .signatureRefused(asset: plan.archive, reason: error.description)
        }
    }

    /// Scratch directories of an update that was killed (older than an hour, so never one a
    /// concurrent update is still using).
    private func removeStaleScratch(in directory: URL) {
        let prefix = ".\(binary.lastPathComponent).update-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let path = directory.appendingPathComponent(name)
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path.path))?[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) > 3600
            else { continue }
            try? FileManager.default.removeItem(at: path)
        }
    }

    /// What `info` is when it is not a regular file with a single link, else nil.
    static func nonRegularKind(_ info: stat) -> String? {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return info.st_nlink == 1 ? nil : "a hard link"
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a directory"
        default: return "a special file"
        }
    }

    /// `<hex>  <name>` (or `<hex> *<name>`) lines, as sha256sum writes them.
    static func checksum(in sums: String, for name: String) -> String? {
        for line in sums.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2 else { continue }
            let file = fields[1].hasPrefix("*") ? fields[1].dropFirst() : fields[1]
            if file == name { return fields[0].lowercased() }
        }
        return nil
    }

    /// Hard-links the current binary as `.previous` (via a temporary name, then rename, so an
    /// old `.previous` is replaced atomically); copies where hard links are not possible.
    private func keepPrevious() throws(SelfUpdateError) {
        let held = binary.deletingLastPathComponent().appendingPathComponent(".\(binary.lastPathComponent).previous-\(UUID().uuidString.prefix(8))")
        try link(binary, as: held)
        try replace(previousBinary, with: held)
    }

    private func link(_ source: URL, as destination: URL) throws(SelfUpdateError) {
        if posixLink(source.path, destination.path) == 0 { return }
        do {
            try FileManager.default.copyItem(at: source, to: destination)
        } catch {
            throw .installFailed(path: destination.path, reason: describe(error))
        }
    }

    /// rename(2) `source` over `target`: readers see the old file or the new one, never half.
    private func replace(_ target: URL, with source: URL) throws(SelfUpdateError) {
        guard rename(source.path, target.path) == 0 else {
            throw .installFailed(path: target.path, reason: String(cString: strerror(errno)))
        }
        AtomicFile.syncDirectory(target.deletingLastPathComponent())
    }
}

/// The C `link`, which would otherwise be shadowed by ``SelfUpdater``'s method.
private func posixLink(_ source: String, _ destination: String) -> Int32 { link(source, destination) }
