import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import ImageSigning
import OCIDistribution
import ReleaseKit
import SystemSupport

/// What the signing commands share: key loading, registry clients, digest resolution.
enum SigningOptions {
    static func keySource(key: String?, keyEnvironment: String?) throws -> SigningKeySource {
        switch (key, keyEnvironment) {
        case let (path?, nil): return .file(path)
        case let (nil, variable?): return .environment(variable)
        case (nil, nil): throw ValidationError("signing needs a private key: --key FILE or --key-env VAR (see `release-tool keys generate`)")
        case (.some, .some): throw ValidationError("give either --key or --key-env, not both")
        }
    }

    /// The key `publish --sign` signs with (the signer itself is built by the command's root).
    static func signingIdentity(key: String?, keyEnvironment: String?) throws -> ReleaseToolServices.SigningIdentity {
        let source = try keySource(key: key, keyEnvironment: keyEnvironment)
        return ReleaseToolServices.SigningIdentity(key: try source.load(), label: source.label)
    }

    /// The client for `reference`'s registry, from a root built for this one command.
    static func client(for reference: ImageReference, insecureRegistries: [String]) async -> RegistryClient {
        await ReleaseToolServices.forCommand(insecureRegistries: insecureRegistries).registries.client(for: reference.registry)
    }

    /// `reference` pinned: its own digest, or what its tag points at now.
    static func pinned(_ reference: ImageReference, client: RegistryClient) async throws -> ImageReference {
        if reference.digest != nil { return reference }
        guard let descriptor = try await client.manifestDescriptor(repository: reference.repositoryName, reference: reference.manifestReference) else {
            throw ValidationError("\(reference) does not exist in the registry")
        }
        return reference.withDigest(descriptor.digest)
    }

    static func publicKeys(_ paths: [String]) throws -> [VerificationKey] {
        guard !paths.isEmpty else { throw ValidationError("give at least one --key FILE.pub") }
        return try paths.map { path throws in try VerificationKey(contentsOf: URL(fileURLWithPath: path)) }
    }
}
