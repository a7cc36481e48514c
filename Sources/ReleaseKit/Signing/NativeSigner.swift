import Foundation
import ImageSigning
import OCIDistribution

/// release-tool's signer: a cosign-compatible key signature on each published digest (and,
/// for an index, on each platform manifest too), plus a signed SLSA provenance attestation.
/// Republishing adds nothing: a signature by this key over the same payload is kept, and the
/// provenance of the same predicate type by this key is replaced, not duplicated.
package struct NativeSigner: Signer {
    package let key: SigningKey
    package let keyLabel: String
    /// The caller's clients, so signature and provenance pushes count with the publish's traffic.
    package let registries: RegistryClientFactory
    package let provenance: ReleaseProvenance
    package let log: @Sendable (String) -> Void

    package var name: String { "key \(keyLabel) (\(key.verificationKey.fingerprint.prefix(19))…)" }

    package init(
        key: SigningKey, keyLabel: String, registries: RegistryClientFactory,
        provenance: ReleaseProvenance = ReleaseProvenance(), log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.key = key
        self.keyLabel = keyLabel
        self.registries = registries
        self.provenance = provenance
        self.log = log
    }

    package func sign(_ subject: SigningSubject) async throws -> SignatureStatus {
        guard let digest = subject.reference.digest else { throw SigningError.referenceNotPinned(subject.reference.description) }
        let client = await registries.client(for: subject.reference.registry)
        let signer = ImageSigner(key: key, client: client)
        let attacher = AttestationAttacher(client: client, key: key)
        let manifest = try await client.manifest(repository: subject.reference.repositoryName, reference: .digest(digest))

        // An index is signed itself, then each platform manifest (what `cosign sign
        // --recursive` does), so a verifier that resolved a platform finds a signature too.
        var targets: [(digest: Digest, platform: Platform?)] = []
        if manifest.isIndex {
            targets.append((digest, nil))
            for child in try manifest.imageIndex().manifests where !MediaType.isIndex(child.mediaType) {
                targets.append((child.digest, child.platform))
            }
        } else {
            let configuration = try await client.imageConfiguration(of: subject.reference)
            targets.append((digest, configuration.map { Platform(architecture: $0.architecture, os: $0.os, variant: $0.variant) }))
        }

        var added = 0, present = 0
        for target in targets {
            let pinned = subject.reference.withDigest(target.digest)
            let outcome = try await signer.sign(pinned)
            if outcome.added { added += 1 } else { present += 1 }
            let statement = try provenance.statement(for: subject, digest: target.digest, platform: target.platform)
            _ = try await attacher.attach(statement, to: pinned, replacingSamePredicateType: true)
        }
        let summary =
            "\(added) signature(s) added, \(present) already present, SLSA provenance attached to \(targets.count) digest(s)"
        log("\(subject.type): \(summary)")
        return .signed(by: "\(name): \(summary)")
    }
}
