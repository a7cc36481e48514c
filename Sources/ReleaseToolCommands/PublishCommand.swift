import ArgumentParser
import CommandSupport
import Foundation
import ImageBuilders
import OCIDistribution
import OublietteCore
import ReleaseKit
import SystemSupport

struct PublishCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Build the catalogue's images parents-first, tag them from git and push them.",
        discussion: """
            The version comes from HEAD's vX.Y.Z tag (libgit2, no git subprocess). Each child image is \
            built FROM its parent's just-pushed digest (BASE_IMAGE), exported as an OCI layout and \
            pushed by the native registry client (existing blobs skipped, parent layers mounted). \
            The versioned tag is pushed first; latest (only for the highest release) and the other \
            tags are added to the same manifest. Publishing a version that is already in the \
            registry with the same revision uploads nothing (--force rebuilds).

            stdout: one REPOSITORY:TAG@DIGEST line per image (or the JSON report with --json); \
            progress goes to stderr.
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

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let plan = try options.inputs.plan()
        if dryRun {
            Output.line(json ? try plan.renderedJSON() : plan.renderedTable)
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
            verbose: logging.verbose)
        let signer: (any Signer)? =
            sign
            ? try SigningOptions.publishSigner(
                key: key, keyEnvironment: keyEnvironment, insecureRegistries: insecure, log: { Output.diagnostic($0) }) : nil

        let log: @Sendable (String) -> Void = { Output.diagnostic($0) }
        log("release \(plan.version.version) with \(kind.rawValue): \(plan.images.map(\.type).joined(separator: " -> "))")
        var publisher = ReleasePublisher(
            builder: configuration.makeBuilder(kind), signer: signer, force: force,
            workDirectory: workDirectory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory,
            credentials: OublietteCredentials.standard(warn: { Output.warning($0) }), insecureRegistries: insecure, log: log)
        if !noSBOMAttestation {
            publisher.sbomAttestation = SBOMAttestation(
                key: (signer as? NativeSigner)?.key, credentials: publisher.credentials, insecureRegistries: insecure,
                workDirectory: publisher.workDirectory, toolVersion: OublietteVersion.current, log: log)
        }
        let printReferences = !json
        let report = try await publisher.publish(plan) { image in
            if printReferences { Output.line(image.reference.description) }
        }
        if json { Output.line(try report.renderedJSON()) }
        let counters = report.counters
        log(
            "done: \(counters.blobsUploaded) blobs uploaded (\(counters.blobBytesUploaded) bytes), \(counters.blobsMounted) mounted, "
                + "\(counters.blobsSkipped) already present, \(counters.manifestsPushed) manifests pushed")
    }
}

/// `--tls-verify`: whether builders verify TLS when they pull `FROM` images.
enum TLSVerifyOption: String, ExpressibleByArgument, CaseIterable {
    case `true`, `false`, auto
}
