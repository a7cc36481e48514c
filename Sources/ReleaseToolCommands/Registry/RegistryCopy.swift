import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import ReleaseKit
import TerminalProgress

struct RegistryCopy: LoggedCommand {
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
    @OptionGroup var output: JSONOutputOptions
    @OptionGroup var progress: ProgressOptions
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
        let renderer = progress.output()
        var copier = connection.services().copier(
            concurrency: jobs, mountFrom: try mountFrom.map { try RepositoryName($0) }, sourceMirrors: mirrors, progress: renderer.transferHandler)
        copier.platform = selected
        let result: CopyResult
        do { result = try await copier.copy(from: from, to: to) } catch {
            renderer.finish()
            throw error
        }
        renderer.finish()
        if output.json {
            try Output.json(result)
            return
        }
        var summary =
            "copied \(result.digest) (\(result.blobsUploaded) uploaded, \(result.blobsMounted) mounted, "
            + "\(result.blobsSkipped) already present, \(result.blobsDownloaded) downloaded; "
            + "\(TerminalText.bytes(result.bytesUploaded)) up, \(TerminalText.bytes(result.bytesDownloaded)) down)"
        if let used = result.sourceRegistryUsed, case let .registry(reference) = from, used != reference.registry {
            summary += " — read from mirror \(used)"
        }
        Output.line(summary)
    }
}
