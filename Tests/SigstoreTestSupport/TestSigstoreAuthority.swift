import Crypto
import Foundation
import SwiftASN1
import X509

/// A whole Sigstore instance made up by a test: a Fulcio root CA and intermediate, a CT log and
/// a Rekor (v1) log, each with a fresh P-256 key, and the `trusted_root.json` naming them. It
/// issues Fulcio-shaped leaf certificates (10 minutes, embedded SCT, identity extensions) and
/// Sigstore bundles (v0.1-v0.3) for files and digests that real verifiers accept against that
/// root: sigstore-python, cosign and `gh attestation verify` given `--trusted-root`, and ours.
///
///     let authority = try TestSigstoreAuthority()
///     try authority.trustedRootJSON.write(to: rootFile)
///     let bundle = try authority.bundle(forFile: data, identity: .githubWorkflow())
///     let attestation = try authority.bundle(forDigest: "sha256:…", kind: .inTotoStatement(subjectName: "ghcr.io/o/i"))
///
/// Another `TestSigstoreAuthority()` is a wrong root for this one's bundles.
package struct TestSigstoreAuthority: Sendable {
    /// The instance's name, in its certificates' subjects and its logs' URLs (`*.NAME.test`).
    package let name: String
    /// When the authority came into being: every key and CA is valid from a day before.
    package let createdAt: Date
    let rootKey: P256.Signing.PrivateKey
    let intermediateKey: P256.Signing.PrivateKey
    let ctLogKey: P256.Signing.PrivateKey
    let rekorKey: P256.Signing.PrivateKey
    /// DER of the root and intermediate CA certificates.
    package let rootCertificateDER: [UInt8]
    package let intermediateCertificateDER: [UInt8]
    let intermediateName: DistinguishedName

    package init(name: String = "oubliette-test", now: Date = Date()) throws {
        self.name = name
        createdAt = Date(timeIntervalSince1970: floor(now.timeIntervalSince1970))
        rootKey = P256.Signing.PrivateKey()
        intermediateKey = P256.Signing.PrivateKey()
        ctLogKey = P256.Signing.PrivateKey()
        rekorKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName {
            OrganizationName(name)
            CommonName("\(name) Fulcio root")
        }
        intermediateName = try DistinguishedName {
            OrganizationName(name)
            CommonName("\(name) Fulcio intermediate")
        }
        let start = createdAt.addingTimeInterval(-86_400)
        let end = createdAt.addingTimeInterval(10 * 365 * 86_400)
        let rootPublic = Certificate.PublicKey(rootKey.publicKey)
        let root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: rootPublic, notValidBefore: start, notValidAfter: end,
            issuer: rootName, subject: rootName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: rootPublic)
            },
            issuerPrivateKey: .init(rootKey))
        let intermediatePublic = Certificate.PublicKey(intermediateKey.publicKey)
        let intermediate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: intermediatePublic, notValidBefore: start, notValidAfter: end,
            issuer: rootName, subject: intermediateName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: intermediatePublic)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: rootPublic).keyIdentifier)
            },
            issuerPrivateKey: .init(rootKey))
        rootCertificateDER = try Self.der(root)
        intermediateCertificateDER = try Self.der(intermediate)
    }

    // MARK: The trusted root

    package var fulcioURL: String { "https://fulcio.\(name).test" }
    package var rekorURL: String { "https://rekor.\(name).test" }
    package var ctLogURL: String { "https://ctfe.\(name).test" }

    /// The log ID of the Rekor log (sha256 of its key's SPKI, as Rekor and the verifiers compute it).
    package var rekorLogID: [UInt8] { Array(SHA256.hash(data: rekorKey.publicKey.derRepresentation)) }
    var ctLogID: [UInt8] { Array(SHA256.hash(data: ctLogKey.publicKey.derRepresentation)) }

    /// `trusted_root.json` (media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
    /// naming this instance's Fulcio CA (intermediate then root), Rekor log and CT log, each
    /// valid from a day before `createdAt` with no end.
    package var trustedRootJSON: Data {
        let validFor = ["start": Self.rfc3339(createdAt.addingTimeInterval(-86_400))]
        func log(_ url: String, _ key: P256.Signing.PrivateKey) -> [String: Any] {
            [
                "baseUrl": url, "hashAlgorithm": "SHA2_256",
                "publicKey": [
                    "rawBytes": Self.base64(key.publicKey.derRepresentation), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": validFor,
                ],
                "logId": ["keyId": Self.base64(Data(SHA256.hash(data: key.publicKey.derRepresentation)))],
            ]
        }
        let root: [String: Any] = [
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(rekorURL, rekorKey)],
            "certificateAuthorities": [
                [
                    "subject": ["organization": name, "commonName": "\(name) Fulcio intermediate"],
                    "uri": fulcioURL,
                    "certChain": [
                        "certificates": [["rawBytes": Self.base64(intermediateCertificateDER)], ["rawBytes": Self.base64(rootCertificateDER)]]
                    ],
                    "validFor": validFor,
                ] as [String: Any]
            ],
            "ctlogs": [log(ctLogURL, ctLogKey)],
            "timestampAuthorities": [] as [Any],
        ]
        return Self.json(root, pretty: true)
    }

    // MARK: Bundles

    /// A bundle for `file`: by default a message signature over its SHA-256 digest.
    package func bundle(
        forFile file: Data, identity: TestSigningIdentity = .githubWorkflow(), kind: TestBundleKind = .messageSignature,
        options: TestBundleOptions = TestBundleOptions()
    ) throws -> Data {
        try bundle(sha256: Array(SHA256.hash(data: file)), identity: identity, kind: kind, options: options)
    }

    /// A bundle for an artifact known by its digest (`sha256:<hex>`): a message signature over
    /// the digest, or an in-toto statement naming it (an image's manifest digest, for example).
    package func bundle(
        forDigest digest: String, identity: TestSigningIdentity = .githubWorkflow(), kind: TestBundleKind = .messageSignature,
        options: TestBundleOptions = TestBundleOptions()
    ) throws -> Data {
        let hex = digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest
        guard let bytes = Self.bytes(hex: hex), bytes.count == 32 else { throw TestAuthorityError.notASHA256Digest(digest) }
        return try bundle(sha256: bytes, identity: identity, kind: kind, options: options)
    }

    func bundle(sha256 digest: [UInt8], identity: TestSigningIdentity, kind: TestBundleKind, options: TestBundleOptions) throws -> Data {
        // Fulcio's timeline: the certificate is issued, the artifact signed and logged within its
        // 10 minutes; "expired" moves the issuance 20 minutes back, the log time stays.
        let logTime = createdAt.addingTimeInterval(-60)
        let issued = options.certificateExpiredAtLogTime ? logTime.addingTimeInterval(-1_200) : logTime.addingTimeInterval(-60)
        let signingKey = P256.Signing.PrivateKey()
        let leafDER = try leafCertificate(for: signingKey.publicKey, identity: identity, issued: issued)
        let leafPEMBase64 = Self.base64(Data(Self.pem(leafDER).utf8))

        var content: [String: Any]
        let body: [String: Any]
        let kindVersion: [String: String]
        switch kind {
        case .messageSignature:
            let signature = try signingKey.signature(for: PrecomputedSHA256(bytes: digest)).derRepresentation
            content = [
                "messageSignature": [
                    "messageDigest": ["algorithm": "SHA2_256", "digest": Self.base64(digest)],
                    "signature": Self.base64(signature),
                ]
            ]
            kindVersion = ["kind": "hashedrekord", "version": "0.0.1"]
            body = [
                "apiVersion": "0.0.1", "kind": "hashedrekord",
                "spec": [
                    "data": ["hash": ["algorithm": "sha256", "value": Self.hex(digest)]],
                    "signature": ["content": Self.base64(signature), "publicKey": ["content": leafPEMBase64]],
                ],
            ]
        case let .inTotoStatement(subjectName, predicateType):
            let statement: [String: Any] = [
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [["name": subjectName, "digest": ["sha256": Self.hex(digest)]]],
                "predicateType": predicateType,
                "predicate": ["buildDefinition": ["buildType": "https://oubliette.test/test-authority/v1"]],
            ]
            let payload = Self.json(statement)
            let payloadType = "application/vnd.in-toto+json"
            let pae = Data("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8) + payload
            let signature = try signingKey.signature(for: pae).derRepresentation
            let envelope: [String: Any] = [
                "payload": Self.base64(payload), "payloadType": payloadType,
                "signatures": [["sig": Self.base64(signature), "keyid": ""]],
            ]
            content = ["dsseEnvelope": envelope]
            kindVersion = ["kind": "dsse", "version": "0.0.1"]
            body = [
                "apiVersion": "0.0.1", "kind": "dsse",
                "spec": [
                    "envelopeHash": ["algorithm": "sha256", "value": Self.hex(Array(SHA256.hash(data: Self.json(envelope))))],
                    "payloadHash": ["algorithm": "sha256", "value": Self.hex(Array(SHA256.hash(data: payload)))],
                    "signatures": [["signature": Self.base64(signature), "verifier": leafPEMBase64]],
                ],
            ]
        }

        let entry = try logEntry(body: Self.json(body), kindVersion: kindVersion, integratedTime: logTime, tamperProof: options.tamperedInclusionProof)
        var material: [String: Any] = ["tlogEntries": [entry], "timestampVerificationData": [:] as [String: Any]]
        if options.version == .v0_3 {
            material["certificate"] = ["rawBytes": Self.base64(leafDER)]
        } else {
            material["x509CertificateChain"] = ["certificates": [["rawBytes": Self.base64(leafDER)]]]
        }
        content["mediaType"] = options.version.mediaType
        content["verificationMaterial"] = material
        return Self.json(content, pretty: true)
    }

    // MARK: Encoding helpers

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// PEM as OpenSSL and Python's cryptography write it (64-column lines, final newline): Rekor
    /// v1 bodies hold base64 of this text, and verifiers compare it as text.
    package static func pem(_ der: [UInt8], label: String = "CERTIFICATE") -> String {
        let text = Data(der).base64EncodedString()
        var lines: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 64, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(text[index..<end])
            index = end
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    static func base64<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 { Data(bytes).base64EncodedString() }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
        }
        return result
    }

    /// Canonical JSON (sorted keys, no whitespace, `/` unescaped), as Rekor canonicalizes bodies.
    static func json(_ object: Any, pretty: Bool = false) -> Data {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        // Only dictionaries, arrays, strings and integers are passed in: serialization cannot fail.
        return (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data()
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

package enum TestAuthorityError: Error, CustomStringConvertible {
    case notASHA256Digest(String)

    package var description: String {
        switch self {
        case let .notASHA256Digest(text): return "'\(text)' is not sha256:<64 hex digits>"
        }
    }
}

/// A SHA-256 digest computed elsewhere, in the shape swift-crypto's ECDSA signs prehashed.
struct PrecomputedSHA256: Digest {
    let bytes: [UInt8]

    static var byteCount: Int { 32 }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }

    func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }

    var description: String { TestSigstoreAuthority.hex(bytes) }
}
