import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import ReleaseKit
import TerminalProgress

struct RegistryInspect: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image's digest, media type, platforms or layers, and config labels.",
        discussion: "Example: release-tool registry inspect ghcr.io/acme/base:1.4.0 --json"
    )

    @Argument(help: "Image: REGISTRY/REPO[:TAG|@DIGEST] (docker:// prefix allowed).")
    var image: String
    @Flag(help: "Print JSON.")
    var json = false
    @Flag(help: "Print the manifest bytes exactly as stored.")
    var raw = false
    @OptionGroup var connection: RegistryConnectionOptions

    struct Report: Encodable {
        var reference: String
        var digest: String
        var mediaType: String
        var platforms: [PlatformEntry]?
        var layers: [Descriptor]?
        var config: Descriptor?
        var labels: [String: String]?
        var architecture: String?
        var os: String?
        var created: String?
        /// For OCI artifacts (signatures, SBOMs…): what the artifact is.
        var artifactType: String?
    }

    /// One entry of an index: which platform, and the manifest that serves it.
    struct PlatformEntry: Encodable {
        var platform: String
        var os: String?
        var architecture: String?
        var variant: String?
        var digest: String
        var mediaType: String
        var size: Int64
    }

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let reference = try connection.reference(image)
        let client = await connection.services().registries.client(for: reference.registry)
        let fetched = try await client.manifest(repository: reference.repositoryName, reference: reference.manifestReference)
        if raw {
            FileHandle.standardOutput.write(fetched.bytes)
            return
        }
        var report = Report(reference: reference.description, digest: fetched.digest.description, mediaType: fetched.mediaType)
        if fetched.isIndex {
            report.platforms = try fetched.imageIndex().manifests.map { entry in
                PlatformEntry(
                    platform: entry.platform?.description ?? "unknown", os: entry.platform?.os, architecture: entry.platform?.architecture,
                    variant: entry.platform?.variant, digest: entry.digest.description, mediaType: entry.mediaType, size: entry.size)
            }
        } else {
            let manifest = try fetched.imageManifest()
            report.layers = manifest.layers
            report.config = manifest.config
            // An artifact's config is not an image configuration (often the empty JSON blob):
            // there is no platform or labels to read.
            if ![MediaType.ociConfig, MediaType.dockerConfig].contains(manifest.config.mediaType) {
                report.artifactType = manifest.artifactType ?? manifest.config.mediaType
            } else if let configuration = try await client.imageConfiguration(of: reference.withDigest(fetched.digest)) {
                // A single manifest: its config says which one platform it is.
                report.labels = configuration.labels
                report.architecture = configuration.architecture
                report.os = configuration.os
                report.created = configuration.created
            }
        }
        if json {
            try Output.json(report)
            return
        }
        Output.line("Reference: \(report.reference)")
        Output.line("Digest:    \(report.digest)")
        Output.line("MediaType: \(report.mediaType)")
        if let platforms = report.platforms {
            Output.line("Platforms: \(platforms.count)")
            let rows = platforms.map { [$0.platform, $0.digest, $0.mediaType, "\($0.size)"] }
            Output.line(TextTable(header: ["PLATFORM", "DIGEST", "MEDIA TYPE", "SIZE"], rows: rows).rendered)
        }
        if let os = report.os, let architecture = report.architecture { Output.line("Platform:  \(os)/\(architecture)") }
        if let created = report.created { Output.line("Created:   \(created)") }
        if let artifactType = report.artifactType { Output.line("Artifact:  \(artifactType)") }
        if let layers = report.layers {
            let size = layers.reduce(Int64(0)) { $0 + $1.size }
            Output.line("Layers:    \(layers.count) (\(TerminalText.bytes(size)))")
        }
        if let labels = report.labels, !labels.isEmpty {
            Output.line("Labels:")
            for key in labels.keys.sorted() { Output.line("  \(key)=\(labels[key] ?? "")") }
        }
    }
}
