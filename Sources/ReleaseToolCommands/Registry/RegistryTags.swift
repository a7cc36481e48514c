import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import ReleaseKit

struct RegistryTags: LoggedCommand {
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
        let tags = try await connection.services().registries.client(for: reference.registry).tags(
            repository: reference.repositoryName, pageSize: pageSize, limits: limits)
        if json {
            try Output.json(tags)
        } else {
            tags.forEach { Output.line($0) }
        }
    }
}
