import Crypto
import Foundation
import SystemSupport
import X509

/// A keyless signature as cosign stores it on an image layer (before bundles): the signature
/// and the Fulcio certificate, its chain and the Rekor entry in annotations. Read into a v0.1
/// bundle so the one verifier checks it (chain at the log's time, SCT, promise, body, identity).
///
/// Annotations (cosign's `pkg/oci/static` and `pkg/cosign/bundle`): `dev.cosignproject.cosign/
/// signature` (base64), `dev.sigstore.cosign/certificate` (PEM), `dev.sigstore.cosign/chain`
/// (PEM, intermediates then root), `dev.sigstore.cosign/bundle` (JSON
/// `{"SignedEntryTimestamp": base64, "Payload": {"body": base64, "integratedTime", "logIndex",
/// "logID": hex}}`).
package enum CosignLegacySignature {
    package static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    package static let certificateAnnotation = "dev.sigstore.cosign/certificate"
    package static let chainAnnotation = "dev.sigstore.cosign/chain"
    package static let bundleAnnotation = "dev.sigstore.cosign/bundle"

    /// What the layer signs: its payload bytes (a `.sig` simple-signing payload) or a DSSE
    /// envelope (an `.att` layer, whose payload is the envelope's JSON).
    package enum Content: Sendable {
        case message(payload: Data, signature: String)
        case dsseEnvelope(Data)
    }

    /// Whether `annotations` describe a keyless signature (a certificate is attached).
    package static func isKeyless(_ annotations: [String: String]) -> Bool {
        annotations[certificateAnnotation].map { !$0.isEmpty } ?? false
    }

    /// The v0.1 bundle equivalent of a cosign keyless layer.
    package static func bundle(content: Content, annotations: [String: String]) throws(BundleVerificationError) -> SigstoreBundle {
        guard let certificatePEM = annotations[certificateAnnotation], let leaf = pemCertificates(certificatePEM).first else {
            throw .bundleFormat("the layer has no PEM certificate in \(certificateAnnotation)")
        }
        // Roots come only from the trusted root: the chain's self-signed certificates are dropped.
        var chain = [leaf]
        for der in pemCertificates(annotations[chainAnnotation] ?? "") {
            guard let certificate = try? Certificate(derEncoded: der), certificate.subject != certificate.issuer else { continue }
            chain.append(der)
        }
        guard let rekorText = annotations[bundleAnnotation] else {
            throw .inclusionPromise("the layer has no Rekor bundle (\(bundleAnnotation)): the signature was not logged, or the log entry was not kept")
        }
        let rekor: RekorBundle
        do { rekor = try JSONCoding.decode(RekorBundle.self, from: Data(rekorText.utf8)) } catch {
            throw .bundleFormat("\(bundleAnnotation) is not cosign's Rekor bundle: \(describeDecodingError(error))")
        }
        guard let body = ProtoBytes.decodeBase64(rekor.payload.body),
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let kind = object["kind"] as? String, let version = object["apiVersion"] as? String
        else { throw .logEntryMismatch("the Rekor bundle's body is not a base64 log entry with kind and apiVersion") }
        guard let logID = hexBytes(rekor.payload.logID) else { throw .bundleFormat("the Rekor bundle's logID is not hex") }
        guard let set = ProtoBytes.decodeBase64(rekor.signedEntryTimestamp) else {
            throw .bundleFormat("the Rekor bundle's SignedEntryTimestamp is not base64")
        }
        let entry = SigstoreBundle.TransparencyLogEntry(
            logIndex: ProtoInt64(rekor.payload.logIndex), logId: .init(keyId: ProtoBytes(logID)),
            kindVersion: .init(kind: kind, version: version), integratedTime: ProtoInt64(rekor.payload.integratedTime),
            inclusionPromise: .init(signedEntryTimestamp: ProtoBytes(set)), inclusionProof: nil, canonicalizedBody: ProtoBytes(body))
        let material = SigstoreBundle.VerificationMaterial(
            x509CertificateChain: .init(certificates: chain.map { SigstoreBundle.Certificate(rawBytes: ProtoBytes($0)) }),
            certificate: nil, publicKey: nil, tlogEntries: [entry], timestampVerificationData: nil)
        switch content {
        case let .message(payload, signature):
            guard let signatureBytes = ProtoBytes.decodeBase64(signature) else { throw .signature("the signature annotation is not base64") }
            return SigstoreBundle(
                mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1", verificationMaterial: material,
                messageSignature: .init(
                    messageDigest: .init(algorithm: "SHA2_256", digest: ProtoBytes(Array(SHA256.hash(data: payload)))),
                    signature: ProtoBytes(signatureBytes)),
                dsseEnvelope: nil)
        case let .dsseEnvelope(json):
            let envelope: SigstoreBundle.Envelope
            do { envelope = try JSONCoding.decode(SigstoreBundle.Envelope.self, from: json) } catch {
                throw .bundleFormat("the attestation layer is not a DSSE envelope: \(describeDecodingError(error))")
            }
            return SigstoreBundle(
                mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1", verificationMaterial: material, messageSignature: nil,
                dsseEnvelope: envelope)
        }
    }

    struct RekorBundle: Decodable {
        struct Payload: Decodable {
            var body: String
            var integratedTime: Int64
            var logIndex: Int64
            var logID: String
        }
        var signedEntryTimestamp: String
        var payload: Payload

        // cosign's Go struct field names.
        enum CodingKeys: String, CodingKey {
            case signedEntryTimestamp = "SignedEntryTimestamp"
            case payload = "Payload"
        }
    }

    /// The DER of each `CERTIFICATE` block of `pem`, in order.
    static func pemCertificates(_ pem: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var body: String?
        for line in pem.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line == "-----BEGIN CERTIFICATE-----" {
                body = ""
            } else if line == "-----END CERTIFICATE-----" {
                if let text = body, let der = Data(base64Encoded: text) { result.append([UInt8](der)) }
                body = nil
            } else if body != nil {
                body?.append(line)
            }
        }
        return result
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension SigstoreBundle {
    /// Who the bundle's certificate names, read WITHOUT verifying anything: only for messages
    /// that say what was found when verification failed. Nil for keyed or unreadable bundles.
    package var claimedSigner: FulcioIdentity? {
        let der = verificationMaterial.certificate?.rawBytes.bytes ?? verificationMaterial.x509CertificateChain?.certificates?.first?.rawBytes.bytes
        guard let der, let certificate = try? X509.Certificate(derEncoded: der) else { return nil }
        return try? FulcioIdentity(certificate: certificate)
    }
}
