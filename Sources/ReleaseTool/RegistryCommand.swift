import ArgumentParser
import Foundation
import OublietteCore

/// `release-tool registry …`: copy, list, inspect, tag and delete images without a daemon.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Talk to OCI registries directly: copy, tags, inspect, tag, delete.",
        discussion: """
            Locations are written as skopeo writes them: docker://REGISTRY/REPO[:TAG|@DIGEST] for a \
            registry, oci:DIRECTORY[:TAG] for an OCI image layout. Credentials come from \
            OUBLIETTE_REGISTRY_TOKEN or OUBLIETTE_REGISTRY_USER/PASSWORD (optionally limited by \
            OUBLIETTE_REGISTRY_HOST), then docker's config.json ($DOCKER_CONFIG), including \
            credential helpers. Plain HTTP is used only for localhost/127.0.0.0/8 and registries \
            named with --insecure-registry.
            """,
        subcommands: [RegistryCopyCommand.self, RegistryTagsCommand.self, RegistryInspectCommand.self,
                      RegistryTagCommand.self, RegistryDeleteCommand.self]
    )
}

/// Options every registry subcommand shares.
struct RegistryConnectionOptions: ParsableArguments {
    @Option(name: .customLong("insecure-registry"), help: "Reach this registry (host[:port]) over plain HTTP. Repeatable.")
    var insecureRegistries: [String] = []

    func client(for registry: String) -> RegistryClient {
        RegistryClient(registry: registry, insecure: insecureRegistries.contains(registry) ? true : nil)
    }

    func reference(_ text: String) throws -> ImageReference {
        let trimmed = text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
        do { return try ImageReference(parsing: trimmed) } catch {
            throw ValidationError(error.description)
        }
    }
}

struct RegistryCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an image between registries and OCI layout directories.",
        discussion: """
            Examples:
              release-tool registry copy oci:build/base:1.4.0 docker://ghcr.io/acme/base:1.4.0
              release-tool registry copy docker://ghcr.io/acme/base:1.4.0 oci:/tmp/base:1.4.0
            Blobs the destination already has are skipped; --mount-from names repositories of the \
            destination registry to mount blobs from instead of uploading them. An index is copied \
            with all its platform manifests.
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
    @Flag(help: "Print the result as JSON on stdout.")
    var json = false
    @OptionGroup var connection: RegistryConnectionOptions

    func run() async throws {
        let from: ImageLocation, to: ImageLocation
        do {
            from = try ImageLocation(parsing: source)
            to = try ImageLocation(parsing: destination)
        } catch {
            throw ValidationError(error.description)
        }
        let renderer = RegistryProgressRenderer()
        let copier = ImageCopier(insecureRegistries: Set(connection.insecureRegistries), concurrency: jobs,
                                 mountFrom: mountFrom, sourceMirrors: mirrors, progress: renderer.handler)
        let result: CopyResult
        do { result = try await copier.copy(from: from, to: to) } catch {
            renderer.finish()
            throw error
        }
        renderer.finish()
        if json {
            print(try RegistryOutput.json(result))
            return
        }
        var summary = "copied \(result.digest) (\(result.blobsUploaded) uploaded, \(result.blobsMounted) mounted, "
            + "\(result.blobsSkipped) already present, \(result.blobsDownloaded) downloaded; "
            + "\(RegistryProgressRenderer.mebibytes(result.bytesUploaded)) up, \(RegistryProgressRenderer.mebibytes(result.bytesDownloaded)) down)"
        if let used = result.sourceRegistryUsed, case let .registry(reference) = from, used != reference.registry {
            summary += " — read from mirror \(used)"
        }
        print(summary)
    }
}

struct RegistryTagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "List a repository's tags (all pages).",
        discussion: "Example: release-tool registry tags ghcr.io/acme/base"
    )

    @Argument(help: "Repository: REGISTRY/REPO (a tag, if given, is ignored).")
    var repository: String
    @Option(name: .customLong("page-size"), help: "Tags per request (the registry may ignore it).")
    var pageSize: Int?
    @Flag(help: "Print a JSON array.")
    var json = false
    @OptionGroup var connection: RegistryConnectionOptions

    func run() async throws {
        let reference = try connection.reference(repository)
        let tags = try await connection.client(for: reference.registry).tags(repository: reference.repository, pageSize: pageSize)
        if json {
            print(try RegistryOutput.json(tags))
        } else {
            tags.forEach { print($0) }
        }
    }
}

struct RegistryInspectCommand: AsyncParsableCommand {
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
        var platforms: [String]?
        var layers: [Descriptor]?
        var config: Descriptor?
        var labels: [String: String]?
        var architecture: String?
        var os: String?
        var created: String?
    }

    func run() async throws {
        let reference = try connection.reference(image)
        let client = connection.client(for: reference.registry)
        let fetched = try await client.manifest(repository: reference.repository, reference: reference.manifestReference)
        if raw {
            FileHandle.standardOutput.write(fetched.bytes)
            return
        }
        var report = Report(reference: reference.description, digest: fetched.digest.description, mediaType: fetched.mediaType)
        if fetched.isIndex {
            report.platforms = try fetched.imageIndex().manifests.map { entry in
                "\(entry.platform?.description ?? "unknown") \(entry.digest)"
            }
        } else {
            let manifest = try fetched.imageManifest()
            report.layers = manifest.layers
            report.config = manifest.config
            if let configuration = try await client.imageConfiguration(of: reference.withDigest(fetched.digest)) {
                report.labels = configuration.labels
                report.architecture = configuration.architecture
                report.os = configuration.os
                report.created = configuration.created
            }
        }
        if json {
            print(try RegistryOutput.json(report))
            return
        }
        print("Reference: \(report.reference)")
        print("Digest:    \(report.digest)")
        print("MediaType: \(report.mediaType)")
        if let platforms = report.platforms { platforms.forEach { print("Platform:  \($0)") } }
        if let os = report.os, let architecture = report.architecture { print("Platform:  \(os)/\(architecture)") }
        if let created = report.created { print("Created:   \(created)") }
        if let layers = report.layers {
            let size = layers.reduce(Int64(0)) { $0 + $1.size }
            print("Layers:    \(layers.count) (\(RegistryProgressRenderer.mebibytes(size)))")
        }
        if let labels = report.labels, !labels.isEmpty {
            print("Labels:")
            for key in labels.keys.sorted() { print("  \(key)=\(labels[key] ?? "")") }
        }
    }
}

struct RegistryTagCommand: AsyncParsableCommand {
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

    func run() async throws {
        let reference = try connection.reference(image)
        try await connection.client(for: reference.registry).addTags(tags, to: reference)
        for tag in tags { print("\(reference.registry)/\(reference.repository):\(tag)") }
    }
}

struct RegistryDeleteCommand: AsyncParsableCommand {
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

    func run() async throws {
        let reference = try connection.reference(image)
        let client = connection.client(for: reference.registry)
        let digest: Digest
        if let pinned = reference.digest {
            digest = pinned
        } else {
            guard let descriptor = try await client.manifestDescriptor(repository: reference.repository, reference: reference.manifestReference) else {
                throw RegistryError.notFound(registry: reference.registry, what: "manifest \(reference.repository):\(reference.manifestReference)")
            }
            digest = descriptor.digest
        }
        try await client.deleteManifest(repository: reference.repository, digest: digest)
        print("deleted \(reference.registry)/\(reference.repository)@\(digest)")
    }
}

enum RegistryOutput {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
