import Crypto
import Foundation
import SwiftASN1
import X509

/// RFC 6962 embedded SCTs: the precertificate SCT list in the leaf, each SCT signed by a CT log
/// over the leaf's TBS without the list itself, bound to its issuer's key.
enum SignedCertificateTimestamps {
    /// 1.3.6.1.4.1.11129.2.4.2, the embedded SCT list extension.
    static let extensionOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2]
    static let extensionOIDContent: [UInt8] = [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x04, 0x02]

    struct Timestamp {
        var logID: [UInt8]
        var timestamp: UInt64
        var extensions: [UInt8]
        var hashAlgorithm: UInt8
        var signatureAlgorithm: UInt8
        var signature: [UInt8]
    }

    /// Parses the TLS-encoded `SignedCertificateTimestampList` of the extension value.
    static func parse(extensionValue: ArraySlice<UInt8>) throws(BundleVerificationError) -> [Timestamp] {
        let fail = BundleVerificationError.certificateTransparency("the embedded SCT list is malformed")
        guard let octets = try? DERBytes.elements(extensionValue).first, octets.tag == 0x04 else { throw fail }
        var reader = TLSReader(octets.content)
        guard let list = reader.vector(lengthBytes: 2), reader.isAtEnd else { throw fail }
        var listReader = TLSReader(list)
        var result: [Timestamp] = []
        while !listReader.isAtEnd {
            guard let item = listReader.vector(lengthBytes: 2) else { throw fail }
            var sct = TLSReader(item)
            guard let version = sct.bytes(1), version == [0],
                let logID = sct.bytes(32), let time = sct.bytes(8),
                let extensions = sct.vector(lengthBytes: 2),
                let algorithms = sct.bytes(2), let signature = sct.vector(lengthBytes: 2), sct.isAtEnd
            else { throw fail }
            result.append(
                Timestamp(
                    logID: logID, timestamp: time.reduce(0) { $0 << 8 | UInt64($1) }, extensions: Array(extensions),
                    hashAlgorithm: algorithms[0], signatureAlgorithm: algorithms[1], signature: Array(signature)))
        }
        return result
    }

    /// Succeeds when at least one embedded SCT verifies with a CT log key of `root` valid at the
    /// SCT's time.
    static func verify(leaf: Certificate, issuer: Certificate, root: TrustedRoot) throws(BundleVerificationError) {
        guard let ext = leaf.extensions[oid: extensionOID] else {
            throw .certificateTransparency("the signing certificate has no embedded SCT")
        }
        let timestamps = try parse(extensionValue: ext.value)
        guard !timestamps.isEmpty else { throw .certificateTransparency("the signing certificate's SCT list is empty") }
        guard let tbs = try? DERBytes.removingExtension(oid: extensionOIDContent, fromTBS: leaf.tbsCertificateBytes) else {
            throw .certificateTransparency("cannot re-encode the certificate without its SCT list")
        }
        let issuerKeyHash = Array(SHA256.hash(data: SigningPublicKey.spkiDER(issuer.publicKey)))
        var problems: [String] = []
        for sct in timestamps {
            let logIDText = Data(sct.logID).base64EncodedString()
            guard let log = (root.ctlogs ?? []).first(where: { $0.logId.keyId.bytes == sct.logID }) else {
                problems.append("SCT from unknown CT log \(logIDText)")
                continue
            }
            let time = Date(timeIntervalSince1970: TimeInterval(sct.timestamp) / 1000)
            guard let validity = log.publicKey.validFor, validity.start != nil, validity.contains(time) else {
                problems.append("CT log \(logIDText) key not valid at the SCT's time \(time)")
                continue
            }
            guard let raw = log.publicKey.rawBytes?.bytes, let key = SigningPublicKey(spki: raw) else {
                problems.append("CT log \(logIDText) has an unusable public key")
                continue
            }
            var signed: [UInt8] = [0, 0] // v1, certificate_timestamp
            signed += (0..<8).reversed().map { UInt8(truncatingIfNeeded: sct.timestamp >> (UInt64($0) * 8)) }
            signed += [0, 1] // precert_entry
            signed += issuerKeyHash
            signed += [UInt8(truncatingIfNeeded: tbs.count >> 16), UInt8(truncatingIfNeeded: tbs.count >> 8), UInt8(truncatingIfNeeded: tbs.count)]
            signed += tbs
            signed += [UInt8(truncatingIfNeeded: sct.extensions.count >> 8), UInt8(truncatingIfNeeded: sct.extensions.count)]
            signed += sct.extensions
            if key.isValidSignature(sct.signature, for: signed) { return }
            problems.append("SCT signature does not verify with CT log \(logIDText)")
        }
        throw .certificateTransparency(problems.joined(separator: "; "))
    }
}

/// Reads TLS presentation-language fields (RFC 8446 §3): fixed bytes and length-prefixed vectors.
struct TLSReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { bytes.isEmpty }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard bytes.count >= count else { return nil }
        defer { bytes = bytes.dropFirst(count) }
        return Array(bytes.prefix(count))
    }

    mutating func vector(lengthBytes: Int) -> ArraySlice<UInt8>? {
        guard let prefix = bytes(lengthBytes) else { return nil }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard bytes.count >= length else { return nil }
        defer { bytes = bytes.dropFirst(length) }
        return bytes.prefix(length)
    }
}
