import Foundation
import OCIDistribution
import SigstoreVerification

/// Verifies an image digest keylessly: finds its Sigstore bundles (``ImageBundleDiscovery``,
/// nothing is pulled) and accepts when one verifies against the trusted root for one of
/// `identities` AND binds this image:
/// - a DSSE/in-toto bundle (referrer, or cosign `.att`): a statement subject has the image's
///   manifest digest;
/// - a message-signature referrer: the signed message is the manifest (its digest);
/// - a cosign `.sig` layer: the signature covers the simple-signing payload, whose
///   `critical.image.docker-manifest-digest` is the digest and `critical.identity` this repository.
package struct KeylessImageVerifier: Sendable {
    package let identities: [IdentityPolicy]
    package let trustedRoot: TrustedRoot
    package var limits: ImageBundleDiscovery.Limits
    package var now: @Sendable () -> Date

    package init(
        identities: [IdentityPolicy], trustedRoot: TrustedRoot, limits: ImageBundleDiscovery.Limits = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.identities = identities
        self.trustedRoot = trustedRoot
        self.limits = limits
        self.now = now
    }

    /// What was checked, for `--json` and the image's provenance record.
    package struct Verified: Sendable, Equatable, Codable {
        package let image: String
        package let digest: Digest
        package let kind: DiscoveredBundle.Kind
        package let source: String
        /// Who signed, as the verified certificate says.
        package let identity: FulcioIdentity
        /// The policy it satisfied (``IdentityPolicy/summary``).
        package let policy: String
        package let verifiedTime: Date
        package let logIndex: Int64
        package let logURL: String?
        package let predicateType: String?
        package let bundlesExamined: Int
        package let checks: [String]

        /// `SAN (issuer …)`, for status lines.
        package var signer: String { "\(identity.subject) (issuer \(identity.issuer ?? "none"))" }
    }

    package func verify(repository: RepositoryName, digest: Digest, client: RegistryClient) async throws(VerificationFailure) -> Verified {
        let image = "\(client.registry)/\(repository)"
        guard !identities.isEmpty else { throw .noIdentities(image: image) }
        guard digest.algorithm == "sha256" else {
            throw .unavailable(image: image, digest: digest.description, reason: "only sha256 image digests can be verified keylessly")
        }
        let found = await ImageBundleDiscovery(client: client, limits: limits).find(repository: repository, digest: digest)
        guard !found.bundles.isEmpty else {
            // Nothing found and something unreadable: the answer is not "unsigned" but "unknown".
            if !found.problems.isEmpty, found.searched.isEmpty {
                throw .unavailable(image: image, digest: digest.description, reason: found.problems.joined(separator: "; "))
            }
            throw .noBundle(image: image, digest: digest.description, searched: found.searched + found.problems)
        }
        return try await check(found.bundles, image: image, digest: digest, problems: found.problems)
    }

    /// The part after discovery: which of `bundles` (if any) verifies for `image`@`digest`.
    package func check(_ bundles: [DiscoveredBundle], image: String, digest: Digest, problems: [String] = []) async throws(VerificationFailure)
        -> Verified
    {
        let verifier = BundleVerifier(trustedRoot: trustedRoot, now: now)
        var found: [String] = []
        var failedChecks: [String] = []
        for candidate in bundles {
            let artifact: BundleArtifact
            if candidate.kind == .cosignSignature, let payload = candidate.payload {
                artifact = .bytes([UInt8](payload))
            } else {
                artifact = .sha256(Self.digestBytes(digest))
            }
            let claimed = candidate.bundle.claimedSigner.map { "\($0.subject) (issuer \($0.issuer ?? "none"))" } ?? "no Fulcio certificate"
            var reasons: [String] = []
            for policy in identities {
                do {
                    let result = try await verifier.verify(bundle: candidate.bundle, artifact: artifact, signer: .identity(policy))
                    guard let identity = result.identity else { throw BundleVerificationError.key("the bundle verified without an identity") }
                    var checks = [
                        "\(candidate.source) holds a Sigstore bundle (\(result.mediaType))",
                        "certificate chains to a Fulcio CA of the trusted root at the log's time \(result.verifiedTime)",
                        "transparency log entry \(result.logIndex) (\(result.logURL ?? "log")) matches the signature",
                        "identity \(identity.subject), issuer \(identity.issuer ?? "none") satisfies \(policy.summary)",
                    ]
                    if candidate.kind == .cosignSignature, let payload = candidate.payload {
                        try SignatureVerifier.checkClaims(payload: payload, image: image, digest: digest)
                        checks.append("simple-signing payload names \(digest) and \(image)")
                    } else if result.payloadType != nil {
                        checks.append("in-toto subject has \(digest)")
                    } else {
                        checks.append("the signed message is the manifest \(digest)")
                    }
                    return Verified(
                        image: image, digest: digest, kind: candidate.kind, source: candidate.source, identity: identity, policy: policy.summary,
                        verifiedTime: result.verifiedTime, logIndex: result.logIndex, logURL: result.logURL, predicateType: result.predicateType,
                        bundlesExamined: bundles.count, checks: checks)
                } catch let error as BundleVerificationError {
                    failedChecks.append(error.check)
                    reasons.append(error.reason)
                    // Another policy cannot change a failure that is not about identity.
                    if error.check != "identity" { break }
                } catch let error as VerificationFailure {
                    failedChecks.append(error.check)
                    reasons.append(error.description)
                    break
                } catch {
                    failedChecks.append("bundle")
                    reasons.append("\(error)")
                    break
                }
            }
            found.append("\(candidate.source) signed by \(claimed): \(Array(Set(reasons)).sorted().joined(separator: "; "))")
        }
        // "identity" only when every bundle was a valid one by someone else.
        let check = Set(failedChecks) == ["identity"] ? "identity" : failedChecks.first { $0 != "identity" } ?? "identity"
        throw .keylessRefused(
            image: image, digest: digest.description, expected: identities.map(\.summary), found: found + problems, check: check)
    }

    static func digestBytes(_ digest: Digest) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = digest.encoded.startIndex
        while index < digest.encoded.endIndex {
            let next = digest.encoded.index(index, offsetBy: 2, limitedBy: digest.encoded.endIndex) ?? digest.encoded.endIndex
            bytes.append(UInt8(digest.encoded[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
