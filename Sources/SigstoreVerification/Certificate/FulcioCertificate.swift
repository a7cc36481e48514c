import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// What a Fulcio signing certificate says about who signed: the SAN and the OIDC claims Fulcio
/// copies into its extensions (OID arc 1.3.6.1.4.1.57264.1, see Fulcio's docs/oid-info.md).
package struct FulcioIdentity: Sendable, Equatable, Codable {
    /// The SAN: a URI (workload identities such as GitHub workflows) or an email address.
    package var subject: String
    package var issuer: String?
    /// GitHub workflow claims (present when the token came from GitHub Actions).
    package var sourceRepositoryURI: String?
    package var sourceRepositoryRef: String?
    package var sourceRepositoryDigest: String?
    package var buildSignerURI: String?
    package var buildTrigger: String?
    package var runnerEnvironment: String?

    enum OID {
        static let issuerV1: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 1]
        static let githubWorkflowTrigger: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 2]
        static let githubWorkflowSHA: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 3]
        static let githubWorkflowRepository: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 5]
        static let githubWorkflowRef: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 6]
        static let issuerV2: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 8]
        static let buildSignerURI: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 9]
        static let runnerEnvironment: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 11]
        static let sourceRepositoryURI: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 12]
        static let sourceRepositoryDigest: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 13]
        static let sourceRepositoryRef: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 14]
        static let buildTrigger: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 20]
    }

    package init(
        subject: String, issuer: String?, sourceRepositoryURI: String? = nil, sourceRepositoryRef: String? = nil,
        sourceRepositoryDigest: String? = nil, buildSignerURI: String? = nil, buildTrigger: String? = nil, runnerEnvironment: String? = nil
    ) {
        self.subject = subject
        self.issuer = issuer
        self.sourceRepositoryURI = sourceRepositoryURI
        self.sourceRepositoryRef = sourceRepositoryRef
        self.sourceRepositoryDigest = sourceRepositoryDigest
        self.buildSignerURI = buildSignerURI
        self.buildTrigger = buildTrigger
        self.runnerEnvironment = runnerEnvironment
    }

    /// Reads the identity of `certificate`; nil fields are absent extensions.
    package init(certificate: Certificate) throws(BundleVerificationError) {
        let names: SubjectAlternativeNames?
        do { names = try certificate.extensions.subjectAlternativeNames } catch {
            throw .identity("the signing certificate's SAN extension is malformed")
        }
        var subject: String?
        for name in names ?? SubjectAlternativeNames() {
            switch name {
            case let .uniformResourceIdentifier(uri): subject = subject ?? uri
            case let .rfc822Name(email): subject = subject ?? email
            default: continue
            }
        }
        guard let subject else { throw .identity("the signing certificate has no URI or email SAN") }
        let extensions = certificate.extensions
        func v2(_ oid: ASN1ObjectIdentifier) -> String? {
            // Fulcio's v2 extensions hold a DER UTF8String.
            guard let value = extensions[oid: oid]?.value, let element = try? DERBytes.elements(value).first, element.tag == 0x0C else {
                return nil
            }
            return String(decoding: element.content, as: UTF8.self)
        }
        func v1(_ oid: ASN1ObjectIdentifier) -> String? {
            // The deprecated v1 extensions hold the raw string.
            extensions[oid: oid].map { String(decoding: $0.value, as: UTF8.self) }
        }
        self.init(
            subject: subject,
            issuer: v2(OID.issuerV2) ?? v1(OID.issuerV1),
            sourceRepositoryURI: v2(OID.sourceRepositoryURI) ?? v1(OID.githubWorkflowRepository).map { "https://github.com/\($0)" },
            sourceRepositoryRef: v2(OID.sourceRepositoryRef) ?? v1(OID.githubWorkflowRef),
            sourceRepositoryDigest: v2(OID.sourceRepositoryDigest) ?? v1(OID.githubWorkflowSHA),
            buildSignerURI: v2(OID.buildSignerURI),
            buildTrigger: v2(OID.buildTrigger) ?? v1(OID.githubWorkflowTrigger),
            runnerEnvironment: v2(OID.runnerEnvironment)
        )
    }
}

/// Chain building for Fulcio leaves at a fixed time.
enum FulcioChain {
    /// The chain (leaf first, root last) from `leaf` to a CA of `root` valid at `time`, with
    /// every certificate valid at `time`.
    static func validate(leaf: Certificate, at time: Date, root: TrustedRoot) async throws(BundleVerificationError) -> [Certificate] {
        let authorities = (root.certificateAuthorities ?? []).filter { $0.validFor?.contains(time) ?? true }
        guard !authorities.isEmpty else {
            throw .certificateChain("no Fulcio CA of the trusted root is valid at \(time)")
        }
        var reasons: [String] = []
        for authority in authorities {
            let certificates: [Certificate]
            do { certificates = try authority.certChain.certificates.map { try Certificate(derEncoded: $0.rawBytes.bytes) } } catch {
                throw .trustedRoot("a certificate of CA \(authority.uri ?? "?") is not DER X.509")
            }
            guard let anchor = certificates.last else { continue }
            var verifier = Verifier(rootCertificates: CertificateStore([anchor])) {
                RFC5280Policy(fixedExpiryValidationTime: time)
                FulcioLeafPolicy()
            }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(certificates.dropLast()))
            switch result {
            case let .validCertificate(chain): return Array(chain)
            case let .couldNotValidate(failures):
                reasons.append("\(authority.uri ?? "CA"): " + (failures.first.map { "\($0.policyFailureReason)" } ?? "no path to this CA"))
            }
        }
        throw .certificateChain("the signing certificate does not chain to a Fulcio CA of the trusted root at \(time) (\(reasons.joined(separator: "; ")))")
    }
}

/// Fulcio leaves mark the SAN critical (the subject is empty) and carry EKU; this library checks
/// both itself (identity policy, code signing usage), so the chain builder may accept them.
struct FulcioLeafPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        .meetsPolicy
    }
}
