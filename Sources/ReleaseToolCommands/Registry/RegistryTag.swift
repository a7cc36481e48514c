import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import ReleaseKit

struct RegistryTag: LoggedCommand {
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
