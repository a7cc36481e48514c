import Crypto
import Foundation

/// What the bundle claims was logged, to be compared with the log entry's canonicalized body
/// (Rekor's hashedrekord 0.0.1/0.0.2, dsse 0.0.1 and intoto 0.0.2 schemas).
struct LoggedMaterial {
    enum Content {
        /// A message signature over an artifact with this SHA-256 digest.
        case message(signature: [UInt8], sha256: [UInt8])
        case dsse(SigstoreBundle.Envelope)
    }

    var content: Content
    /// The signing certificate's DER, or the public key's SPKI DER for keyed bundles.
    var verifierDER: [UInt8]
    var isCertificate: Bool
    var key: SigningPublicKey
}

enum RekorEntryBody {
    static func check(body: [UInt8], kindVersion: SigstoreBundle.KindVersion, material: LoggedMaterial) throws(BundleVerificationError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw .logEntryMismatch("the log entry body is not a JSON object")
        }
        guard object["kind"] as? String == kindVersion.kind, object["apiVersion"] as? String == kindVersion.version else {
            throw .logEntryMismatch("the log entry body is not the \(kindVersion.kind) \(kindVersion.version) the bundle says")
        }
        let spec = object["spec"] as? [String: Any] ?? [:]
        switch (kindVersion.kind, kindVersion.version, material.content) {
        case let ("hashedrekord", "0.0.1", .message(signature, sha256)):
            try hashedRekordV1(spec, signature: signature, digestHex: hex(sha256), material: material)
        case let ("hashedrekord", "0.0.2", .message(signature, sha256)):
            try hashedRekordV2(spec, signature: signature, digest: sha256, algorithm: .sha256, material: material)
        case let ("hashedrekord", "0.0.2", .dsse(envelope)):
            guard envelope.signatures.count == 1 else { throw .logEntryMismatch("a DSSE envelope logged as hashedrekord has exactly one signature") }
            let algorithm = material.key.prehashAlgorithm ?? .sha256
            let pae = DSSE.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: envelope.payload.bytes)
            try hashedRekordV2(spec, signature: envelope.signatures[0].sig.bytes, digest: algorithm.hash(pae), algorithm: algorithm, material: material)
        case let ("dsse", "0.0.1", .dsse(envelope)):
            try dsseV1(spec, envelope: envelope, material: material)
        case let ("intoto", "0.0.2", .dsse(envelope)):
            try inTotoV2(spec, envelope: envelope, material: material)
        case (let kind, let version, .message):
            throw .logEntryMismatch("a message signature cannot be checked against a \(kind) \(version) log entry")
        case (let kind, let version, .dsse):
            throw .logEntryMismatch("a DSSE envelope cannot be checked against a \(kind) \(version) log entry")
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private static func base64(_ value: Any?) -> [UInt8]? {
        (value as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }

    /// The DER inside a base64-encoded PEM (certificate or public key), as Rekor v1 stores verifiers.
    private static func pemDER(_ value: Any?) -> [UInt8]? {
        guard let pem = base64(value).map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        let body = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: body).map { [UInt8]($0) }
    }

    private static func hashedRekordV1(_ spec: [String: Any], signature: [UInt8], digestHex: String, material: LoggedMaterial) throws(BundleVerificationError) {
        let hash = (spec["data"] as? [String: Any])?["hash"] as? [String: Any]
        guard hash?["algorithm"] as? String == "sha256", (hash?["value"] as? String)?.lowercased() == digestHex else {
            throw .logEntryMismatch("the logged artifact digest \(hash?["value"] as? String ?? "none") is not the artifact's sha256:\(digestHex)")
        }
        let logged = spec["signature"] as? [String: Any]
        guard base64(logged?["content"]) == signature else {
            throw .logEntryMismatch("the logged signature is not the bundle's signature")
        }
        guard pemDER((logged?["publicKey"] as? [String: Any])?["content"]) == material.verifierDER else {
            throw .logEntryMismatch("the logged \(material.isCertificate ? "certificate" : "public key") is not the bundle's")
        }
    }

    private static func hashedRekordV2(
        _ spec: [String: Any], signature: [UInt8], digest: [UInt8], algorithm: HashAlgorithm, material: LoggedMaterial
    ) throws(BundleVerificationError) {
        let entry = spec["hashedRekordV002"] as? [String: Any]
        let data = entry?["data"] as? [String: Any]
        guard data?["algorithm"] as? String == algorithm.protoName, base64(data?["digest"]) == digest else {
            throw .logEntryMismatch("the logged digest is not the artifact's \(algorithm.rawValue):\(hex(digest))")
        }
        let logged = entry?["signature"] as? [String: Any]
        guard base64(logged?["content"]) == signature else {
            throw .logEntryMismatch("the logged signature is not the bundle's signature")
        }
        let verifier = logged?["verifier"] as? [String: Any]
        let field = material.isCertificate ? "x509Certificate" : "publicKey"
        guard base64((verifier?[field] as? [String: Any])?["rawBytes"]) == material.verifierDER else {
            throw .logEntryMismatch("the logged \(material.isCertificate ? "certificate" : "public key") is not the bundle's")
        }
    }

    private static func dsseV1(_ spec: [String: Any], envelope: SigstoreBundle.Envelope, material: LoggedMaterial) throws(BundleVerificationError) {
        let payloadHash = spec["payloadHash"] as? [String: Any]
        let expected = hex(Array(SHA256.hash(data: envelope.payload.bytes)))
        guard payloadHash?["algorithm"] as? String == "sha256", payloadHash?["value"] as? String == expected else {
            throw .logEntryMismatch("the logged payload hash is not the envelope payload's sha256:\(expected)")
        }
        let logged = (spec["signatures"] as? [[String: Any]] ?? []).map { (base64($0["signature"]), pemDER($0["verifier"])) }
        let bundle = envelope.signatures.map { ($0.sig.bytes, material.verifierDER) }
        guard logged.count == bundle.count, zip(logged, bundle).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) else {
            throw .logEntryMismatch("the logged DSSE signatures are not the envelope's")
        }
    }

    private static func inTotoV2(_ spec: [String: Any], envelope: SigstoreBundle.Envelope, material: LoggedMaterial) throws(BundleVerificationError) {
        let content = spec["content"] as? [String: Any]
        let payloadHash = content?["payloadHash"] as? [String: Any]
        let expected = hex(Array(SHA256.hash(data: envelope.payload.bytes)))
        guard payloadHash?["algorithm"] as? String == "sha256", payloadHash?["value"] as? String == expected else {
            throw .logEntryMismatch("the logged payload hash is not the envelope payload's sha256:\(expected)")
        }
        let loggedEnvelope = content?["envelope"] as? [String: Any]
        guard loggedEnvelope?["payloadType"] as? String == envelope.payloadType else {
            throw .logEntryMismatch("the logged payload type is not the envelope's")
        }
        // intoto 0.0.2 stores each signature base64-encoded once more.
        let logged = (loggedEnvelope?["signatures"] as? [[String: Any]] ?? []).map {
            (base64($0["sig"]).flatMap { ProtoBytes.decodeBase64(String(decoding: $0, as: UTF8.self)) }, pemDER($0["publicKey"]))
        }
        let bundle = envelope.signatures.map { ($0.sig.bytes, material.verifierDER) }
        guard logged.count == bundle.count, zip(logged, bundle).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) else {
            throw .logEntryMismatch("the logged in-toto signatures are not the envelope's")
        }
    }
}

enum DSSE {
    static func preAuthenticationEncoding(payloadType: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8) + payload
    }
}
