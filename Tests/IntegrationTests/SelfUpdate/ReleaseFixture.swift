import Foundation
import OCIDistribution
import OublietteCore
import SigstoreTestSupport

/// Releases for the fake server: each has an archive holding a stand-in `oubliette` (a shell
/// script that prints its version for `--version`) and a SHA256SUMS line for it. A stand-in
/// rather than a second build because a release must report a different version than the
/// build under test, and stamping another build takes minutes; the binary that does the
/// updating is always the real one.
struct ReleaseFixture: Sendable {
    struct Release: Sendable {
        var version: String
        var prerelease = false
        /// SHA256SUMS lists a checksum of other bytes.
        var wrongChecksum = false
        /// The archive download stops half way.
        var truncated = false
        /// The server sends 1 MiB more than the release's declared asset size.
        var oversized = false
        /// The archive's `oubliette` is a symlink to `outside` (a script outside the archive).
        var symlinkMember = false
        /// The asset URL redirects to the same server as plain http on a non-loopback address.
        var redirectedToPlainHTTP = false
        /// The archive's Sigstore bundle (`<archive>.sigstore.json`), made by the test authority.
        var bundle: BundleChoice = .releaseWorkflow
    }

    enum BundleChoice: Sendable {
        /// An in-toto statement naming the archive, signed as the release workflow on its tag
        /// (what actions/attest writes).
        case releaseWorkflow
        /// The release lists no bundle.
        case missing
        /// Signed by someone else (the workflow on a branch).
        case otherIdentity
        /// A valid bundle of the release workflow for other bytes.
        case otherArchive
    }

    let releases: [Release]
    let platform: ReleasePlatform
    /// Archive bytes per version.
    let archives: [String: [UInt8]]
    /// The Sigstore bundle per version (absent: `.missing`).
    let bundles: [String: [UInt8]]
    /// The test Sigstore instance that signed the bundles; `trustedRoot` is its root's file.
    let authority: TestSigstoreAuthority
    let trustedRoot: URL

    init(_ releases: [Release], scratch: URL) async throws {
        self.releases = releases
        platform = try ReleasePlatform.current()
        authority = try TestSigstoreAuthority()
        trustedRoot = scratch.appendingPathComponent("trusted_root.json")
        try authority.trustedRootJSON.write(to: trustedRoot)
        var archives: [String: [UInt8]] = [:]
        var bundles: [String: [UInt8]] = [:]
        for release in releases {
            let archive = try await Self.archive(
                version: release.version, scratch: scratch, symlinkTo: release.symlinkMember ? Self.outside(scratch) : nil)
            archives[release.version] = archive
            let tag = TestSigningIdentity.githubWorkflow(ref: "refs/tags/v\(release.version)")
            let statement = TestBundleKind.inTotoStatement(subjectName: platform.archiveName(version: release.version))
            switch release.bundle {
            case .releaseWorkflow: bundles[release.version] = Array(try authority.bundle(forFile: Data(archive), identity: tag, kind: statement))
            case .missing: break
            case .otherIdentity:
                bundles[release.version] = Array(
                    try authority.bundle(forFile: Data(archive), identity: .githubWorkflow(ref: "refs/heads/main"), kind: statement))
            case .otherArchive: bundles[release.version] = Array(try authority.bundle(forFile: Data(archive + [0x0A]), identity: tag, kind: statement))
            }
        }
        self.archives = archives
        self.bundles = bundles
    }

    static func standInScript(version: String) -> String {
        """
        #!/bin/sh
        case "$1" in
          --version) echo "\(version)" ;;
          --generate-completion-script) echo "# \(version) completion for $2" ;;
          --generate-manual) echo ".TH OUBLIETTE 1 \\"\\" \\"oubliette \(version)\\"" ;;
          *) echo "stand-in oubliette \(version)" >&2; exit 64 ;;
        esac

        """
    }

    /// The file a symlink member points at: a working stand-in, mode 0644.
    static func outside(_ scratch: URL) -> URL { scratch.appendingPathComponent("outside") }

    /// A tar.gz with `oubliette` at its root, as the release workflow packs it (or, with
    /// `symlinkTo`, a symlink to that path; the target is written with mode 0644).
    static func archive(version: String, scratch: URL, symlinkTo target: URL? = nil) async throws -> [UInt8] {
        let directory = scratch.appendingPathComponent("pack-\(version)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("oubliette")
        if let target {
            try Data(standInScript(version: version).utf8).write(to: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.path)
            try FileManager.default.createSymbolicLink(at: script, withDestinationURL: target)
        } else {
            try Data(standInScript(version: version).utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        }
        let archive = scratch.appendingPathComponent("oubliette-\(version).tar.gz")
        try await ToolRunner.run("tar", ["-czf", archive.path, "-C", directory.path, "oubliette"])
        return Array(try Data(contentsOf: archive))
    }

    func archiveName(_ version: String) -> String { platform.archiveName(version: version) }

    func sums(for release: Release) -> String {
        guard let bytes = archives[release.version] else { return "" }
        let digest = release.wrongChecksum ? Digest.sha256(of: Array("other bytes".utf8)) : Digest.sha256(of: bytes)
        return "\(digest.encoded)  \(archiveName(release.version))\n\(Digest.sha256(of: [0]).encoded)  unrelated.tar.gz\n"
    }

    func describe(_ release: Release, baseURL: String) -> [String: Any] {
        [
            "tag_name": "v\(release.version)",
            "prerelease": release.prerelease,
            "draft": false,
            "assets": [
                [
                    "name": archiveName(release.version),
                    "browser_download_url":
                        "\(baseURL)/\(release.redirectedToPlainHTTP ? "redirect" : "download")/v\(release.version)/\(archiveName(release.version))",
                    "size": archives[release.version]?.count ?? 0,
                ],
                ["name": "SHA256SUMS", "browser_download_url": "\(baseURL)/download/v\(release.version)/SHA256SUMS"],
            ] + (bundles[release.version] == nil ? [] : [bundleAsset(release, baseURL: baseURL)]),
        ]
    }

    func bundleName(_ version: String) -> String { archiveName(version) + ".sigstore.json" }

    func bundleAsset(_ release: Release, baseURL: String) -> [String: Any] {
        [
            "name": bundleName(release.version), "browser_download_url": "\(baseURL)/download/v\(release.version)/\(bundleName(release.version))",
            "size": bundles[release.version]?.count ?? 0,
        ]
    }

    /// GitHub's API does not escape slashes; neither does the fake.
    func json(_ value: Any) -> ReleaseServerReply {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.withoutEscapingSlashes])) ?? Data()
        return .ok(contentType: "application/json", body: Array(data))
    }

    /// The server's answer for `path`, with asset URLs under `baseURL`.
    func reply(path: String, baseURL: String) -> ReleaseServerReply {
        if path == "/releases" { return json(releases.map { describe($0, baseURL: baseURL) }) }
        // What scripts/install.sh asks: the newest stable release, or one by tag.
        if path == "/releases/latest" {
            let stable = releases.filter { !$0.prerelease }
                .compactMap { release in CLIVersion(release.version).map { (release, $0) } }
                .max { $0.1 < $1.1 }?.0
            return stable.map { json(describe($0, baseURL: baseURL)) } ?? .notFound
        }
        if path.hasPrefix("/releases/tags/") {
            let tag = path.dropFirst("/releases/tags/".count)
            return releases.first { "v\($0.version)" == tag }.map { json(describe($0, baseURL: baseURL)) } ?? .notFound
        }
        let parts = path.split(separator: "/").map(String.init)
        if parts.count == 3, parts[0] == "redirect" {
            // 0.0.0.0 reaches this server too, but is not a loopback address.
            return .redirect(location: baseURL.replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0") + "/download/\(parts[1])/\(parts[2])")
        }
        guard parts.count == 3, parts[0] == "download",
            let release = releases.first(where: { "v\($0.version)" == parts[1] }),
            let bytes = archives[release.version]
        else { return .notFound }
        if parts[2] == "SHA256SUMS" { return .ok(contentType: "text/plain", body: Array(sums(for: release).utf8)) }
        if parts[2] == bundleName(release.version) {
            return bundles[release.version].map { .ok(contentType: "application/json", body: $0) } ?? .notFound
        }
        guard parts[2] == archiveName(release.version) else { return .notFound }
        if release.truncated { return .truncated(declaredLength: bytes.count, partial: Array(bytes.prefix(bytes.count / 2))) }
        if release.oversized { return .ok(contentType: "application/octet-stream", body: bytes + [UInt8](repeating: 0, count: 1 << 20)) }
        return .ok(contentType: "application/octet-stream", body: bytes)
    }
}
