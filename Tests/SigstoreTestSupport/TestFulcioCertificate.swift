import Crypto
import Foundation
import SwiftASN1
import X509

/// Fulcio's leaf certificates: empty subject, critical SAN, code signing, the OIDC claims in
/// the 1.3.6.1.4.1.57264.1 arc, 10 minutes of validity and an embedded precertificate SCT.
extension TestSigstoreAuthority {
    enum FulcioOID {
        static let issuerV1: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 1]
        static let issuerV2: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 8]
        static let buildSignerURI: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 9]
        static let sourceRepositoryURI: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 12]
        static let sourceRepositoryRef: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 14]
        static let buildTrigger: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 57264, 1, 20]
        /// RFC 6962's embedded SCT list.
        static let sctList: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2]
    }

    /// The DER of a leaf for `key` and `identity`, valid from `issued` for 10 minutes.
    func leafCertificate(for key: P256.Signing.PublicKey, identity: TestSigningIdentity, issued: Date) throws -> [UInt8] {
        let publicKey = Certificate.PublicKey(key)
        let intermediatePublic = Certificate.PublicKey(intermediateKey.publicKey)
        let name: GeneralName
        switch identity.san {
        case let .uri(uri): name = .uniformResourceIdentifier(uri)
        case let .email(email): name = .rfc822Name(email)
        }
        var extensions = Array(
            try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.codeSigning])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: intermediatePublic).keyIdentifier)
                Critical(SubjectAlternativeNames([name]))
            })
        // v1 issuer: the raw string; the v2 claims: DER UTF8String (Fulcio's docs/oid-info.md).
        extensions.append(Certificate.Extension(oid: FulcioOID.issuerV1, critical: false, value: ArraySlice(identity.issuer.utf8)))
        let claims: [(ASN1ObjectIdentifier, String?)] = [
            (FulcioOID.issuerV2, identity.issuer), (FulcioOID.buildSignerURI, identity.buildSignerURI),
            (FulcioOID.sourceRepositoryURI, identity.sourceRepositoryURI), (FulcioOID.sourceRepositoryRef, identity.sourceRepositoryRef),
            (FulcioOID.buildTrigger, identity.buildTrigger),
        ]
        for case let (oid, value?) in claims {
            var serializer = DER.Serializer()
            try serializer.serialize(ASN1UTF8String(value))
            extensions.append(Certificate.Extension(oid: oid, critical: false, value: ArraySlice(serializer.serializedBytes)))
        }

        // The precertificate: the same TBS without the SCT list, which the CT log signs
        // (RFC 6962 §3.2); the final certificate appends the list as its last extension.
        let serial = Certificate.SerialNumber()
        let notAfter = issued.addingTimeInterval(600)
        func certificate(_ extensions: [Certificate.Extension]) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: issued, notValidAfter: notAfter,
                issuer: intermediateName, subject: DistinguishedName(), signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions(extensions), issuerPrivateKey: .init(intermediateKey))
        }
        let precertificate = try certificate(extensions)
        let sct = try signedCertificateTimestamp(precertificateTBS: Array(precertificate.tbsCertificateBytes), time: issued)
        // SignedCertificateTimestampList: a u16-prefixed list of u16-prefixed SCTs, as an OCTET STRING.
        let list = Self.u16(Self.u16(sct))
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1OctetString(contentBytes: ArraySlice(list)))
        extensions.append(Certificate.Extension(oid: FulcioOID.sctList, critical: false, value: ArraySlice(serializer.serializedBytes)))
        return try Self.der(certificate(extensions))
    }

    /// An RFC 6962 v1 SCT for a precertificate entry, signed by this instance's CT log.
    func signedCertificateTimestamp(precertificateTBS tbs: [UInt8], time: Date) throws -> [UInt8] {
        let milliseconds = UInt64(time.timeIntervalSince1970 * 1000)
        let timestamp = (0..<8).reversed().map { UInt8(truncatingIfNeeded: milliseconds >> (UInt64($0) * 8)) }
        let issuerKeyHash = Array(SHA256.hash(data: intermediateKey.publicKey.derRepresentation))
        var signed: [UInt8] = [0, 0] // v1, certificate_timestamp
        signed += timestamp
        signed += [0, 1] // precert_entry
        signed += issuerKeyHash
        signed += [UInt8(truncatingIfNeeded: tbs.count >> 16), UInt8(truncatingIfNeeded: tbs.count >> 8), UInt8(truncatingIfNeeded: tbs.count)]
        signed += tbs
        signed += [0, 0] // no extensions
        let signature = try ctLogKey.signature(for: signed).derRepresentation
        var sct: [UInt8] = [0] + ctLogID + timestamp + [0, 0]
        sct += [4, 3] // sha256, ecdsa
        sct += Self.u16(Array(signature))
        return sct
    }

    static func u16(_ bytes: [UInt8]) -> [UInt8] { [UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes }
}
