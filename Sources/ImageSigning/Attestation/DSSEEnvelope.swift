import Foundation
import SystemSupport

/// A DSSE envelope (secure-systems-lab/dsse v1): the signature covers the pre-authentication
/// encoding `DSSEv1 <len(type)> <type> <len(body)> <body>`, never the JSON around it.
package struct DSSEEnvelope: Sendable, Equatable, Codable {
    package struct Signature: Sendable, Equatable, Codable {
        package var keyid: String
        package var sig: String
        package init(keyid: String = "", sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }

    package static let inTotoPayloadType = "application/vnd.in-toto+json"

    package var payloadType: String
    /// Standard base64 of the payload bytes.
    package var payload: String
    package var signatures: [Signature]

    package init(payloadType: String, payload: Data, signatures: [Signature]) {
        self.payloadType = payloadType
        self.payload = payload.base64EncodedString()
        self.signatures = signatures
    }

    package var payloadBytes: Data? { Data(base64Encoded: payload) }

    package static func preAuthenticationEncoding(payloadType: String, payload: Data) -> Data {
        var bytes = Data("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8)
        bytes.append(payload)
        return bytes
    }

    /// An envelope signed by `key` (cosign leaves `keyid` empty), or unsigned when nil.
    package static func make(payloadType: String = inTotoPayloadType, payload: Data, key: SigningKey?) throws -> DSSEEnvelope {
        var signatures: [Signature] = []
        if let key {
            let signature = try key.sign(preAuthenticationEncoding(payloadType: payloadType, payload: payload))
            signatures.append(Signature(sig: signature.base64EncodedString()))
        }
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    package func encoded() throws -> Data {
        try JSONCoding.encode(self, as: .canonical)
    }
}
