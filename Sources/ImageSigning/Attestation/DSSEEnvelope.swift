import Foundation
import SystemSupport

/// A DSSE envelope (secure-systems-lab/dsse v1): the signature covers the pre-authentication
/// encoding `DSSEv1 <len(type)> <type> <len(body)> <body>`, never the JSON around it.
public struct DSSEEnvelope: Sendable, Equatable, Codable {
    public struct Signature: Sendable, Equatable, Codable {
        public var keyid: String
        public var sig: String
        public init(keyid: String = "", sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }

    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    public var payloadType: String
    /// Standard base64 of the payload bytes.
    public var payload: String
    public var signatures: [Signature]

    public init(payloadType: String, payload: Data, signatures: [Signature]) {
        self.payloadType = payloadType
        self.payload = payload.base64EncodedString()
        self.signatures = signatures
    }

    public var payloadBytes: Data? { Data(base64Encoded: payload) }

    public static func preAuthenticationEncoding(payloadType: String, payload: Data) -> Data {
        var bytes = Data("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8)
        bytes.append(payload)
        return bytes
    }

    /// An envelope signed by `key` (cosign leaves `keyid` empty), or unsigned when nil.
    public static func make(payloadType: String = inTotoPayloadType, payload: Data, key: SigningKey?) throws -> DSSEEnvelope {
        var signatures: [Signature] = []
        if let key {
            let signature = try key.sign(preAuthenticationEncoding(payloadType: payloadType, payload: payload))
            signatures.append(Signature(sig: signature.base64EncodedString()))
        }
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    public func encoded() throws -> Data {
        try JSONCoding.encode(self, as: .canonical)
    }
}
