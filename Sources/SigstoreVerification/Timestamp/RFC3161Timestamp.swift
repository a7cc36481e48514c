import Crypto
import Foundation
@_spi(FixedExpiryValidationTime) import X509

/// An RFC 3161 time-stamp response as Sigstore bundles carry it: a CMS SignedData (RFC 5652)
/// whose content is a TSTInfo naming the hash of the bundle's signature and the time.
struct RFC3161Timestamp {
    var genTime: Date
    var imprintAlgorithm: HashAlgorithm
    var imprint: [UInt8]
    var tstInfo: [UInt8]
    var signedAttributes: [UInt8]
    var messageDigest: [UInt8]
    var signatureHash: HashAlgorithm
    /// The SignerInfo's digest algorithm: the hash in the messageDigest attribute.
    var digestHash: HashAlgorithm
    var signature: [UInt8]

    static let signedDataOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]
    static let tstInfoOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x04]
    static let messageDigestOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04]

    static func hashAlgorithm(oid: ArraySlice<UInt8>) -> HashAlgorithm? {
        switch Array(oid) {
        case [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]: return .sha256
        case [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]: return .sha384
        case [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03]: return .sha512
        case [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]: return .sha256 // ecdsa-with-SHA256
        case [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]: return .sha384
        case [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04]: return .sha512
        default: return nil
        }
    }

    struct Malformed: Error { var reason: String }

    /// Parses a DER TimeStampResp (or a bare TimeStampToken ContentInfo).
    init(der: [UInt8]) throws(Malformed) {
        func one(_ bytes: ArraySlice<UInt8>, _ what: String) throws(Malformed) -> [DERBytes.Element] {
            do { return try DERBytes.elements(bytes) } catch { throw Malformed(reason: "\(what) is not DER") }
        }
        guard var top = try one(der[...], "the response").first, top.tag == 0x30 else { throw Malformed(reason: "not a SEQUENCE") }
        var fields = try one(top.content, "the response")
        // TimeStampResp { status PKIStatusInfo, timeStampToken } — or the token itself.
        if fields.first?.tag == 0x30, fields.count == 2 {
            let status = try one(fields[0].content, "the status")
            guard status.first?.tag == 0x02, Array(status[0].content) == [0] || Array(status[0].content) == [1] else {
                throw Malformed(reason: "the time-stamp response's status is not 'granted'")
            }
            top = fields[1]
            fields = try one(top.content, "the token")
        }
        guard fields.count == 2, fields[0].tag == 0x06, Array(fields[0].content) == Self.signedDataOID, fields[1].tag == 0xA0,
            let signedData = try one(fields[1].content, "SignedData").first, signedData.tag == 0x30
        else { throw Malformed(reason: "the token is not a CMS SignedData") }
        let parts = try one(signedData.content, "SignedData")
        // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
        guard parts.count >= 4, parts[2].tag == 0x30, let signerInfos = parts.last, signerInfos.tag == 0x31 else {
            throw Malformed(reason: "SignedData lacks its content or signer")
        }
        let encapsulated = try one(parts[2].content, "encapContentInfo")
        guard encapsulated.count == 2, Array(encapsulated[0].content) == Self.tstInfoOID, encapsulated[1].tag == 0xA0,
            let octets = try one(encapsulated[1].content, "eContent").first, octets.tag == 0x04
        else { throw Malformed(reason: "the signed content is not a TSTInfo") }
        tstInfo = Array(octets.content)
        guard let info = try one(octets.content, "TSTInfo").first, info.tag == 0x30 else { throw Malformed(reason: "TSTInfo is not a SEQUENCE") }
        let infoFields = try one(info.content, "TSTInfo")
        // version, policy, messageImprint, serialNumber, genTime, …
        guard infoFields.count >= 5, infoFields[2].tag == 0x30, infoFields[4].tag == 0x18 else { throw Malformed(reason: "TSTInfo lacks its imprint or time") }
        let imprintFields = try one(infoFields[2].content, "messageImprint")
        guard imprintFields.count == 2, let algorithmOID = try one(imprintFields[0].content, "hashAlgorithm").first,
            let algorithm = Self.hashAlgorithm(oid: algorithmOID.content), imprintFields[1].tag == 0x04
        else { throw Malformed(reason: "the message imprint's hash algorithm is not SHA-2") }
        imprintAlgorithm = algorithm
        imprint = Array(imprintFields[1].content)
        guard let time = Self.generalizedTime(String(decoding: infoFields[4].content, as: UTF8.self)) else {
            throw Malformed(reason: "genTime is not a GeneralizedTime")
        }
        genTime = time

        let signers = try one(signerInfos.content, "signerInfos")
        guard signers.count == 1, signers[0].tag == 0x30 else { throw Malformed(reason: "expected exactly one SignerInfo") }
        let signer = try one(signers[0].content, "SignerInfo")
        // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature
        guard signer.count >= 6, signer[3].tag == 0xA0, signer[5].tag == 0x04,
            let digestOID = try one(signer[2].content, "digestAlgorithm").first,
            let signatureAlgorithmOID = try one(signer[4].content, "signatureAlgorithm").first,
            let digestHash = Self.hashAlgorithm(oid: digestOID.content)
        else { throw Malformed(reason: "the SignerInfo lacks signed attributes or a SHA-2 digest algorithm") }
        guard let signatureHash = Self.hashAlgorithm(oid: signatureAlgorithmOID.content) else {
            throw Malformed(reason: "the timestamp is not signed with ECDSA (only ECDSA timestamp authorities are supported)")
        }
        self.signatureHash = signatureHash
        self.digestHash = digestHash
        signature = Array(signer[5].content)
        // The signature covers the attributes re-tagged as a SET (RFC 5652 §5.4).
        signedAttributes = DERBytes.encode(tag: 0x31, content: Array(signer[3].content))
        var digest: [UInt8]?
        for attribute in try one(signer[3].content, "signedAttrs") {
            let pair = try one(attribute.content, "an attribute")
            if pair.count == 2, Array(pair[0].content) == Self.messageDigestOID, let value = try one(pair[1].content, "messageDigest").first {
                digest = Array(value.content)
            }
        }
        guard let digest else { throw Malformed(reason: "the signed attributes carry no message digest") }
        messageDigest = digest
    }

    static func generalizedTime(_ text: String) -> Date? {
        // YYYYMMDDHHMMSS[.fff]Z
        guard text.hasSuffix("Z"), text.count >= 15 else { return nil }
        let body = text.dropLast()
        let whole = body.prefix(14)
        guard whole.allSatisfy(\.isNumber) else { return nil }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        func number(_ from: Int, _ length: Int) -> Int { Int(whole.dropFirst(from).prefix(length)) ?? 0 }
        components.year = number(0, 4)
        components.month = number(4, 2)
        components.day = number(6, 2)
        components.hour = number(8, 2)
        components.minute = number(10, 2)
        components.second = number(12, 2)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let date = calendar.date(from: components) else { return nil }
        let fraction = body.dropFirst(14)
        if fraction.hasPrefix("."), let value = Double("0" + fraction) { return date.addingTimeInterval(value) }
        return date
    }

    /// The time this timestamp attests for `signature`, once it verifies with a timestamp
    /// authority of `root` valid at that time.
    static func verifiedTime(der: [UInt8], signature: [UInt8], root: TrustedRoot) async throws(BundleVerificationError) -> Date {
        let token: RFC3161Timestamp
        do { token = try RFC3161Timestamp(der: der) } catch { throw .timestamp("the RFC 3161 timestamp is malformed: \(error.reason)") }
        guard token.imprint == token.imprintAlgorithm.hash(signature) else {
            throw .timestamp("the RFC 3161 timestamp is for another signature (its message imprint differs)")
        }
        guard token.messageDigest == token.digestHash.hash(token.tstInfo) else {
            throw .timestamp("the RFC 3161 timestamp's signed digest does not match its TSTInfo")
        }
        var reasons: [String] = []
        for authority in root.timestampAuthorities ?? [] {
            guard authority.validFor?.contains(token.genTime) ?? false else {
                reasons.append("\(authority.uri ?? "TSA") not valid at \(token.genTime)")
                continue
            }
            guard let certificates = try? authority.certChain.certificates.map({ try Certificate(derEncoded: $0.rawBytes.bytes) }),
                let leaf = certificates.first, let anchor = certificates.last,
                let key = SigningPublicKey(leaf.publicKey)
            else {
                reasons.append("\(authority.uri ?? "TSA") has an unusable certificate chain")
                continue
            }
            guard key.isValidSignature(token.signature, forDigest: token.signatureHash.hash(token.signedAttributes)) else {
                reasons.append("not signed by \(authority.uri ?? "TSA")")
                continue
            }
            var verifier = Verifier(rootCertificates: CertificateStore([anchor])) {
                RFC5280Policy(fixedExpiryValidationTime: token.genTime)
                FulcioLeafPolicy()
            }
            let intermediates = CertificateStore(certificates.count > 2 ? Array(certificates[1..<(certificates.count - 1)]) : [])
            if certificates.count == 1 { return token.genTime }
            if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: intermediates) { return token.genTime }
            reasons.append("\(authority.uri ?? "TSA")'s certificate chain is not valid at \(token.genTime)")
        }
        throw .timestamp("the RFC 3161 timestamp does not verify with a timestamp authority of the trusted root (\(reasons.joined(separator: "; ")))")
    }
}
