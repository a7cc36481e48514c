import ArgumentParser
import CommandSupport
import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import ReleaseKit
import SystemSupport

struct PublishCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Build the catalogue's images parents-first for every platform, tag them from git and push them.",
        discussion: """
            The version comes from HEAD's vX.Y.Z tag (libgit2, no git subprocess). Every image is \
            built once per platform (linux/amd64 and linux/arm64 unless the catalogue narrows it), \
            with no emulation: on platform P each child is built FROM its parent's just-pushed \
            platform-P manifest, by digest (BASE_IMAGE). Each platform manifest is exported as an \
            OCI layout and pushed by digest by the native registry client (existing blobs skipped, \
            parent layers mounted); then an OCI image index listing them, annotated with the \
            org.opencontainers.image.* values, is pushed under the versioned tag, and latest (only \
            for the highest release) and the other tags are pointed at it. The platforms build \
            concurrently. Publishing a version that is already in the registry with the same \
            revision uploads nothing and re-PUTs no equal manifest (--force rebuilds).

            Fan-out (one CI job per platform, on native runners, then a merge job):
              publish --platform linux/arm64 --push-by-digest --digests-out arm64.json
              publish --platform linux/amd64 --push-by-digest --digests-out amd64.json
              publish --merge amd64.json arm64.json
            The first two build and push that platform's images (base, then dev) by digest and \
            move no tag. --merge builds nothing: it checks that the digests exist, pushes one \
            index per image and applies the tags, giving the same index digests as a one-process \
            publish of the same commit. The digests file is JSON (keys sorted): {"schemaVersion": \
            1, "version": "1.1.0", "revision": "<commit>", "platforms": [{"os": "linux", \
            "architecture": "arm64"}], "images": [{"type": "base", "repository": "…", "platform": \
            {…}, "digest": "sha256:…", "mediaType": "…", "size": N, "parentDigest": the \
            parent's platform manifest digest, absent for root images}]}. --merge refuses files from another version or \
            commit, and an image platform no file covers.

            stdout: one REPOSITORY:TAG@DIGEST line per image (the index; with --push-by-digest, \
            REPOSITORY@DIGEST per image and platform), or the JSON report with --json; progress \
            goes to stderr.
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Image builder; default: auto-detect (buildah, podman, docker buildx, docker).",
            valueName: BuilderKind.allCases.map(\.rawValue).joined(separator: "|")))
    var builder: String?

    @Flag(name: .customLong("dry-run"), help: "Print the plan and stop (same as `release-tool plan`).")
    var dryRun = false

    @Flag(name: .long, help: "Rebuild and push even when the registry already has this release.")
    var force = false

    @Flag(
        name: .long,
        help:
            "Sign each published digest (cosign-compatible, native) and attach SLSA provenance; needs --key or --key-env. Without it, images are reported as not signed."
    )
    var sign = false

    @Flag(
        name: .customLong("no-sbom-attestation"),
        help: "Do not attach each published platform image's SPDX SBOM as an attestation (signed with --sign's key, else unsigned).")
    var noSBOMAttestation = false

    @Option(name: .long, help: ArgumentHelp("Private key file for --sign (cosign format; password from COSIGN_PASSWORD or a prompt).", valueName: "FILE"))
    var key: String?

    @Option(
        name: .customLong("key-env"),
        help: ArgumentHelp("Environment variable holding the private key's PEM text (CI secrets), instead of --key.", valueName: "VAR"))
    var keyEnvironment: String?

    @Flag(name: .long, help: "Print JSON (the plan with --dry-run, else the publish report).")
    var json = false

    @OptionGroup var progress: ProgressOptions

    @Option(name: .customLong("insecure-registry"), help: "Registry to reach over plain HTTP (loopback registries always are); repeatable.")
    var insecureRegistries: [String] = []

    @Option(
        name: .customLong("tls-verify"), help: "Verify TLS when builders pull FROM images: true, false or auto (false only for loopback/insecure registries).")
    var tlsVerify: TLSVerifyOption = .auto

    @Option(name: .customLong("buildah-root"), help: "buildah --root (image storage).")
    var buildahRoot: String?

    @Option(name: .customLong("buildah-runroot"), help: "buildah --runroot (default: <buildah-root>/run when --buildah-root is given).")
    var buildahRunRoot: String?

    @Option(name: .customLong("storage-driver"), help: "buildah --storage-driver.")
    var storageDriver: String = "vfs"

    @Option(name: .customLong("docker-network"), help: "--network for docker RUN steps (e.g. none or host where the daemon has no bridge).")
    var dockerNetwork: String?

    @Option(name: .customLong("work-dir"), help: "Directory for exported OCI layouts (default: the system temporary directory).")
    var workDirectory: String?

    @Flag(
        name: .customLong("push-by-digest"),
        help: "Build and push the platform manifests by digest only: no index, no tag moved (fan-out; needs --digests-out).")
    var pushByDigest = false

    @Option(
        name: .customLong("digests-out"),
        help: ArgumentHelp("With --push-by-digest: write the pushed digests here (JSON, see above) for --merge.", valueName: "file"))
    var digestsOut: String?

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp("Build nothing: assemble each image's index from these digests files, push it and apply the tags.", valueName: "file"))
    var merge: [String] = []

    @Flag(name: .customLong("sequential-platforms"), help: "Build one platform after the other instead of at the same time.")
    var sequentialPlatforms = false

    @Flag(
        name: .long,
        help: "Hide the builder's output (shown on stderr as it comes, prefixed [build TYPE PLATFORM]); a failed build still shows its last lines.")
    var quiet = false

    func validate() throws {
        if pushByDigest, digestsOut == nil { throw ValidationError("--push-by-digest needs --digests-out FILE (the merge job reads it)") }
        if digestsOut != nil, !pushByDigest { throw ValidationError("--digests-out is written only with --push-by-digest") }
        if !merge.isEmpty {
            if pushByDigest { throw ValidationError("--merge and --push-by-digest are the two halves of a fan-out; run them as separate steps") }
            if !options.platform.isEmpty { throw ValidationError("--merge covers every platform of the catalogue; drop --platform") }
        }
    }

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let plan = try options.inputs.plan()
        if dryRun {
            if json { try Output.json(plan) } else { Output.line(plan.renderedTable) }
            return
        }

        if !merge.isEmpty {
            try await runMerge(plan)
            return
        }
        let kind: BuilderKind
        if let builder { kind = try BuilderKind(parsing: builder) } else { kind = try await BuilderKind.detect() }
        let registries = Set(try plan.images.map { try $0.reference().registry })
        let insecure = Set(insecureRegistries)
        let verifyTLS: Bool
        switch tlsVerify {
        case .true: verifyTLS = true
        case .false: verifyTLS = false
        case .auto: verifyTLS = !registries.allSatisfy { TransportSecurity.isLoopback($0) || insecure.contains($0) }
        }
        let buildah = BuildahBuilder.Options(
            root: buildahRoot, runRoot: buildahRunRoot ?? buildahRoot.map { "\($0)/run" },
            storageDriver: storageDriver)
        let configuration = BuilderConfiguration(
            buildah: buildah, tlsVerify: verifyTLS, dockerNetwork: dockerNetwork,
            log: BuildLogOutput.make(quiet: quiet))
        let services = try makeServices()

        let log: @Sendable (String) -> Void = { Output.diagnostic($0) }
        log(
            "release \(plan.version.version) with \(kind.rawValue): \(plan.images.map(\.type).joined(separator: " -> ")) "
                + "on \(plan.platforms.map(\.description).joined(separator: ", "))")
        var publisher = services.publisher(builder: configuration.makeBuilder(kind), force: force, log: log)
        publisher.concurrentPlatforms = !sequentialPlatforms
        let renderer = progress.output()
        publisher.progress = renderer.transferHandler
        let printReferences = !json
        let report: PublishReport
        do {
            if pushByDigest, let digestsOut {
                let result = try await publisher.publishPlatforms(plan) { image in
                    guard printReferences else { return }
                    for platform in image.platforms { Output.line("\(image.reference.name)@\(platform.digest) \(platform.platform)") }
                }
                try result.digests.write(to: URL(fileURLWithPath: digestsOut))
                log("wrote \(result.digests.images.count) digests to \(digestsOut) (for `publish --merge`)")
                report = result.report
            } else {
                report = try await publisher.publish(plan) { image in
                    if printReferences { Output.line(image.reference.description) }
                }
            }
        } catch {
            renderer.finish()
            throw error
        }
        renderer.finish()
        if json { try Output.json(report) }
        summarize(report)
    }

    private func runMerge(_ plan: ReleasePlan) async throws {
        var files: [(file: String, digests: PlatformDigests)] = []
        for file in merge { files.append((file, try PlatformDigests.read(from: URL(fileURLWithPath: file)))) }
        // Merging builds nothing, so any builder value will do; none is detected or run.
        let publisher = try makeServices().publisher(builder: BuildahBuilder(), log: { Output.diagnostic($0) })
        let printReferences = !json
        let report = try await publisher.merge(plan, digests: files) { image in
            if printReferences { Output.line(image.reference.description) }
        }
        if json { try Output.json(report) }
        summarize(report)
    }

    /// The command's root: one client factory, the native signer for `--sign` (both halves of a
    /// fan-out sign the same way) and the SBOM attacher (SBOMs go with the index, so the
    /// one-process publish and `--merge` attach them), signed with the same key.
    private func makeServices() throws -> ReleaseToolServices {
        let signing = sign ? try SigningOptions.signingIdentity(key: key, keyEnvironment: keyEnvironment) : nil
        return ReleaseToolServices.forCommand(
            insecureRegistries: insecureRegistries, signing: signing, attachSBOMs: !noSBOMAttestation,
            workDirectory: workDirectory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory)
    }

    private func summarize(_ report: PublishReport) {
        let log: @Sendable (String) -> Void = { Output.diagnostic($0) }
        let counters = report.counters
        log(
            "done: \(counters.blobsUploaded) blobs uploaded (\(counters.blobBytesUploaded) bytes), \(counters.blobsMounted) mounted, "
                + "\(counters.blobsSkipped) already present, \(counters.manifestsPushed) manifests pushed")
    }
}
