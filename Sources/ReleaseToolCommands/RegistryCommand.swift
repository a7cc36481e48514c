import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import OublietteCore
import ReleaseKit

/// `release-tool registry …`: copy, list, inspect, tag and delete images without a daemon.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Talk to OCI registries directly: copy, tags, inspect, tag, delete.",
        discussion: """
            Locations are written as skopeo writes them: docker://REGISTRY/REPO[:TAG|@DIGEST] for a \
            registry, oci:DIRECTORY[:TAG] for an OCI image layout. Credentials come from \
            OUBLIETTE_REGISTRY_TOKEN or OUBLIETTE_REGISTRY_USER/PASSWORD for the one registry \
            OUBLIETTE_REGISTRY_HOST names (without it they are sent nowhere), then docker's \
            config.json ($DOCKER_CONFIG), including credential helpers. Plain HTTP is used only for localhost/127.0.0.0/8 and registries \
            named with --insecure-registry.
            """,
        subcommands: [
            RegistryCopyCommand.self, RegistryTagsCommand.self, RegistryInspectCommand.self,
            RegistryTagCommand.self, RegistryDeleteCommand.self,
        ]
    )
}

/// Options every registry subcommand shares.
struct RegistryConnectionOptions: ParsableArguments {
    @Option(name: .customLong("insecure-registry"), help: "Reach this registry (host[:port]) over plain HTTP. Repeatable.")
    var insecureRegistries: [String] = []

    /// The command's root; build it once per command.
    func services() -> ReleaseToolServices { ReleaseToolServices.forCommand(insecureRegistries: insecureRegistries) }

    func reference(_ text: String) throws -> ImageReference {
        let trimmed = text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
        do { return try ImageReference(parsing: trimmed) } catch {
            throw ValidationError(error.description)
        }
    }
}

struct RegistryCopyCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an image between registries and OCI layout directories.",
        discussion: """
            Examples:
              release-tool registry copy oci:build/base:1.4.0 docker://ghcr.io/acme/base:1.4.0
              release-tool registry copy docker://ghcr.io/acme/base:1.4.0 oci:/tmp/base:1.4.0
            Blobs the destination already has are skipped; --mount-from names repositories of the \
            destination registry to mount blobs from instead of uploading them. An index is copied \
            whole, with all its platform manifests; --platform linux/arm64 copies only that \
            platform's manifest (the destination then holds a single-platform image).
            """
    )

    @Argument(help: "Source: docker://REF or oci:DIR[:TAG].")
    var source: String
    @Argument(help: "Destination: docker://REF or oci:DIR[:TAG].")
    var destination: String
    @Option(name: .customLong("mount-from"), help: "Repository in the destination registry to mount blobs from. Repeatable.")
    var mountFrom: [String] = []
    @Option(name: .customLong("mirror"), help: "Registry to read the source from if its own fails (same repository path). Repeatable, in order.")
    var mirrors: [String] = []
    @Option(help: "Blobs transferred at once.")
    var jobs = 4
    @Option(help: ArgumentHelp("Copy only this platform's manifest out of an index (default: the whole index).", valueName: "os/arch[/variant]"))
    var platform: String?
    @Flag(help: "Print the result as JSON on stdout.")
    var json = false
    @Option(help: "Transfer progress on stderr: auto (a status line on a terminal, plain lines otherwise), tty, plain or json.")
    var progress: ProgressOption = .auto
    @OptionGroup var connection: RegistryConnectionOptions

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let from: ImageLocation, to: ImageLocation
        let selected: Platform?
        do {
            from = try ImageLocation(parsing: source)
            to = try ImageLocation(parsing: destination)
            selected = try platform.map { text throws(PlatformError) in try Platform(parsing: text) }
        } catch {
            throw ValidationError("\(error)")
        }
        let renderer = RegistryProgressRenderer(progress)
        var copier = connection.services().copier(
            concurrency: jobs, mountFrom: try mountFrom.map { try RepositoryName($0) }, sourceMirrors: mirrors, progress: renderer.handler)
        copier.platform = selected
        let result: CopyResult
        do { result = try await copier.copy(from: from, to: to) } catch {
            renderer.finish()
            throw error
        }
        renderer.finish()
        if json {
            try Output.json(result)
            return
        }
        var summary =
            "copied \(result.digest) (\(result.blobsUploaded) uploaded, \(result.blobsMounted) mounted, "
            + "\(result.blobsSkipped) already present, \(result.blobsDownloaded) downloaded; "
            + "\(RegistryProgressRenderer.mebibytes(result.bytesUploaded)) up, \(RegistryProgressRenderer.mebibytes(result.bytesDownloaded)) down)"
        if let used = result.sourceRegistryUsed, case let .registry(reference) = from, used != reference.registry {
            summary += " — read from mirror \(used)"
        }
        Output.line(summary)
    }
}

struct RegistryTagsCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "List a repository's tags (all pages).",
        discussion: "Example: release-tool registry tags ghcr.io/acme/base"
    )

    @Argument(help: "Repository: REGISTRY/REPO (a tag, if given, is ignored).")
    var repository: String
    @Option(name: .customLong("page-size"), help: "Tags per request (the registry may ignore it).")
    var pageSize: Int?
    @Option(name: .customLong("max-pages"), help: "Fail after this many pages instead of reading on (default 1000).")
    var maximumPages = RegistryClient.ListingLimits().maximumPages
    @Option(name: .customLong("max-tags"), help: "Fail past this many tags instead of reading on (default 100000).")
    var maximumTags = RegistryClient.ListingLimits().maximumTags
    @Flag(help: "Print a JSON array.")
    var json = false
    @OptionGroup var connection: RegistryConnectionOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard maximumPages > 0, maximumTags > 0 else { throw ValidationError("--max-pages and --max-tags must be positive") }
    }

    func execute() async throws {
        let reference = try connection.reference(repository)
        let limits = RegistryClient.ListingLimits(maximumPages: maximumPages, maximumTags: maximumTags)
        let tags = try await reportingErrors {
            try await connection.services().registries.client(for: reference.registry).tags(
                repository: reference.repositoryName, pageSize: pageSize, limits: limits)
        }
        if json {
            try Output.json(tags)
        } else {
            tags.forEach { Output.line($0) }
        }
    }
}

struct RegistryInspectCommand: LoggedCommand {
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
            Output.line("Layers:    \(layers.count) (\(RegistryProgressRenderer.mebibytes(size)))")
        }
        if let labels = report.labels, !labels.isEmpty {
            Output.line("Labels:")
            for key in labels.keys.sorted() { Output.line("  \(key)=\(labels[key] ?? "")") }
        }
    }
}

struct RegistryTagCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Add tags to an image already in a registry (manifest PUT only, no blob traffic).",
        discussion: "Example: release-tool registry tag ghcr.io/acme/base:1.4.0 1.4 1 latest"
    )

    @Argument(help: "Existing image: REGISTRY/REPO:TAG or @DIGEST.")
    var image: String
    @Argument(help: "New tags for the same manifest.")
    var tags: [String]
    @OptionGroup var connection: RegistryConnectionOptions

    func validate() throws {
        guard !tags.isEmpty else { throw ValidationError("name at least one new tag") }
        for tag in tags where !ImageReference.isValidTag(tag) {
            throw ValidationError("'\(tag)' is not a valid tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127})")
        }
    }

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let reference = try connection.reference(image)
        try await connection.services().registries.client(for: reference.registry).addTags(tags, to: reference)
        for tag in tags { Output.line("\(reference.registry)/\(reference.repository):\(tag)") }
    }
}

struct RegistryDeleteCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete an image's manifest (by tag or digest) from a registry.",
        discussion: """
            Deleting by tag resolves the tag to its digest and deletes that manifest, which removes \
            every tag pointing at it (as `skopeo delete` does). The registry must allow deletes.
            """
    )

    @Argument(help: "Image: REGISTRY/REPO:TAG or @DIGEST.")
    var image: String
    @OptionGroup var connection: RegistryConnectionOptions

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let reference = try connection.reference(image)
        let client = await connection.services().registries.client(for: reference.registry)
        let digest: Digest
        if let pinned = reference.digest {
            digest = pinned
        } else {
            guard let descriptor = try await client.manifestDescriptor(repository: reference.repositoryName, reference: reference.manifestReference) else {
                throw RegistryError.notFound(registry: reference.registry, what: "manifest \(reference.repository):\(reference.manifestReference)")
            }
            digest = descriptor.digest
        }
        try await client.deleteManifest(repository: reference.repositoryName, digest: digest)
        Output.line("deleted \(reference.registry)/\(reference.repository)@\(digest)")
    }
}
