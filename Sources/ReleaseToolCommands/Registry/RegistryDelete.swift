import ArgumentParser
import CommandSupport
import Foundation
import OCIDistribution
import ReleaseKit

struct RegistryDelete: LoggedCommand {
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
