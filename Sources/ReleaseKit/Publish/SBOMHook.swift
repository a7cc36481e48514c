import Foundation

/// Attaches each published platform image's SBOM once its index is pushed.
struct SBOMHook: PostIndexHook {
    let attestation: SBOMAttestation

    func run(after index: PushedIndex) async throws -> SignatureStatus? {
        _ = try await attestation.attach(to: index.reference)
        return nil
    }
}
