import Foundation
import ImageSigning
import OCIDistribution
import SigstoreVerification
import SystemSupport

/// The check the pull path runs before pulling a prebuilt image: resolve the digest it is
/// about to pull, fetch the cosign signature for it from the registry (nothing is pulled)
/// and verify it with the keys the `verify` policy pins for the container type.
///
/// `enforce` refuses with ``SignatureCheckError``; `warn` warns once per image per process
/// and lets the pull go on; `off` checks nothing. Images oubliette builds locally do not come
/// through here (they are recorded as built); every registry pull does.
package actor ImageSignatureCheck {
    package nonisolated let config: OublietteConfig
    private let registries: RegistryClientFactory
    private let warn: @Sendable (String) -> Void
    private var warned: Set<String> = []

    package init(config: OublietteConfig, registries: RegistryClientFactory, warn: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.registries = registries
        self.warn = warn
    }

    /// The record to keep for `reference`, or throws under `enforce` when it does not verify:
    /// any pinned key or any signer identity (keyless, from the bundles beside the image) may
    /// have signed the digest about to be pulled.
    package func check(type: String, reference: ImageReference) async throws(SignatureCheckError) -> SignatureRecord {
        // Every registry pull is checked, in dev mode and with `image_source: build` too: only
        // images oubliette builds itself are exempt, and those never come through here.
        let policy = config.verify.effective(for: type, image: reference)
        let mode = policy.mode
        guard mode != .off else { return SignatureRecord(status: .off, mode: mode.rawValue) }

        var digest = reference.digest
        do {
            let client = await registries.client(for: reference.registry, purpose: .transfer)
            if digest == nil {
                digest = try await client.manifestDescriptor(repository: reference.repositoryName, reference: reference.manifestReference)?.digest
            }
            guard let digest else {
                throw SignatureCheckError.unverified(
                    type: type, image: reference.description, digest: "unknown", keys: policy.expected, reason: "the registry has no such image")
            }
            var reasons: [String] = []
            if !policy.keys.isEmpty {
                do {
                    let keys = try policy.keys.map { path throws(KeyFileError) in try VerificationKey(contentsOf: URL(fileURLWithPath: path)) }
                    let verified = try await SignatureVerifier(keys: keys).verify(repository: reference.repositoryName, digest: digest, client: client)
                    return SignatureRecord(status: .verified, mode: mode.rawValue, digest: digest.description, keys: [verified.key])
                } catch { reasons.append(describe(error)) }
            }
            if !policy.identities.isEmpty {
                do {
                    let root = try policy.trustedRoot.map { path throws(BundleVerificationError) in try TrustedRoot(contentsOf: URL(fileURLWithPath: path)) }
                    let verified = try await KeylessImageVerifier(identities: policy.identities, trustedRoot: root ?? TrustedRoot.publicGood()).verify(
                        repository: reference.repositoryName, digest: digest, client: client)
                    return SignatureRecord(
                        status: .verified, mode: mode.rawValue, digest: digest.description, identity: verified.signer, source: verified.source)
                } catch { reasons.append(describe(error)) }
            }
            throw SignatureCheckError.unverified(
                type: type, image: reference.description, digest: digest.description, keys: policy.expected, reason: reasons.joined(separator: "; "))
        } catch {
            let failure: SignatureCheckError
            if let typed = error as? SignatureCheckError {
                failure = typed
            } else {
                failure = .unverified(
                    type: type, image: reference.description, digest: digest?.description ?? "unresolved", keys: policy.expected,
                    reason: describe(error))
            }
            guard mode == .warn else { throw failure }
            if warned.insert(reference.description).inserted { warn("warning: \(failure.description) (verify.mode is warn: pulling anyway)") }
            return SignatureRecord(status: .unverified, mode: mode.rawValue, digest: digest?.description, keys: policy.expected, detail: failure.reason)
        }
    }
}

/// An image refused because its signature does not verify (`verify.mode: enforce`).
package enum SignatureCheckError: Error, Equatable, Sendable, DescribedError {
    /// `keys`: what was expected — key paths and `identity …` summaries.
    case unverified(type: String, image: String, digest: String, keys: [String], reason: String)
    /// The image pulled is not the digest that was verified (the tag moved in between).
    case digestChanged(type: String, image: String, verified: String, pulled: String)

    package var reason: String {
        switch self {
        case let .unverified(_, _, _, _, reason): return reason
        case let .digestChanged(_, _, verified, pulled): return "verified \(verified) but pulled \(pulled)"
        }
    }

    package var description: String {
        switch self {
        case let .unverified(type, image, digest, keys, reason):
            return
                "refusing to pull \(image) for '\(type)': digest \(digest) has no valid signature by \(keys.isEmpty ? "any configured key" : keys.joined(separator: " or ")): \(reason). Sign the image (release-tool sign / publish --sign, or keylessly with actions/attest push-to-registry: true), fix \"verify.keys\" / \"verify.identities\" in oubliette.jsonc, or set \"verify\": {\"containers\": {\"\(type)\": {\"mode\": \"warn\"}}} to accept it"
        case let .digestChanged(type, image, verified, pulled):
            return
                "'\(type)': \(image) is not what was verified (signature verified for \(verified), the engine got \(pulled)); what was pulled was removed and nothing runs from it. The registry or mirror serves other content under that digest: check the mirror configuration, or report it to the registry's operator"
        }
    }
}
