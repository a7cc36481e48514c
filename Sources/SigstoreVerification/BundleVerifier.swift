import Crypto
import Foundation
import SystemSupport
import X509

/// What a bundle is verified against: the artifact itself, or only its SHA-256 digest (the
/// conformance protocol's `sha256:<hex>`; for DSSE bundles, the in-toto subject's digest).
package enum BundleArtifact: Sendable {
    case bytes([UInt8])
    case sha256([UInt8])

    /// A file on disk: its bytes up to `inMemoryLimit` (any key type, sha512 subjects), beyond
    /// that its SHA-256 digest, hashed as it is read rather than held in memory.
    package static func file(at url: URL, inMemoryLimit: Int = 64 << 20) throws(BundleVerificationError) -> BundleArtifact {
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            guard size > inMemoryLimit else { return .bytes([UInt8](try Data(contentsOf: url))) }
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var hasher = SHA256()
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            return .sha256(Array(hasher.finalize()))
        } catch {
            throw .artifactMismatch("cannot read the artifact \(url.path): \(describe(error))")
        }
    }

    package var sha256: [UInt8] {
        switch self {
        case let .bytes(bytes): return Array(SHA256.hash(data: bytes))
        case let .sha256(digest): return digest
        }
    }
}

/// Who must have signed: a Fulcio identity (keyless) or a public key (keyed bundles).
package enum SignerRequirement: Sendable {
    case identity(IdentityPolicy)
    case key(SigningPublicKey)
}

/// What a verified bundle established.
package struct BundleVerificationResult: Sendable, Codable, Equatable {
    package var mediaType: String
    /// The signer's identity (keyless) or nil (keyed).
    package var identity: FulcioIdentity?
    /// sha256 of the signing key's SPKI DER.
    package var keyFingerprint: String
    /// The time the transparency log attests, at which the certificate was checked.
    package var verifiedTime: Date
    package var logIndex: Int64
    package var logURL: String?
    /// The artifact's digest, `sha256:<hex>`.
    package var artifactDigest: String
    /// For DSSE bundles: the payload type and the in-toto predicate type.
    package var payloadType: String?
    package var predicateType: String?
}

/// Verifies Sigstore bundles offline against a trusted root, following sigstore's client
/// specification: the certificate chain at the log's time, its SCT, the log entry's inclusion
/// (proof and checkpoint, or promise), the entry's consistency with the bundle, the signature,
/// the artifact digest and the signer's identity. Every failure is a `BundleVerificationError`.
package struct BundleVerifier: Sendable {
    package var trustedRoot: TrustedRoot
    /// "Now", for refusing log times in the future.
    package var now: @Sendable () -> Date

    package init(trustedRoot: TrustedRoot, now: @escaping @Sendable () -> Date = { Date() }) {
        self.trustedRoot = trustedRoot
        self.now = now
    }

    package func verify(bundleJSON: Data, artifact: BundleArtifact, signer: SignerRequirement) async throws(BundleVerificationError)
        -> BundleVerificationResult
    {
        try await verify(bundle: SigstoreBundle(json: bundleJSON), artifact: artifact, signer: signer)
    }

    package func verify(bundle: SigstoreBundle, artifact: BundleArtifact, signer: SignerRequirement) async throws(BundleVerificationError)
        -> BundleVerificationResult
    {
        guard let version = bundle.version else { throw .unsupportedMediaType(bundle.mediaType) }
        let material = bundle.verificationMaterial

        // The signing material: a leaf certificate (chained later) or a key the caller trusts.
        let leaf: Certificate?
        var leafDER: [UInt8] = []
        let key: SigningPublicKey
        switch signer {
        case let .key(given):
            guard material.certificate == nil, material.x509CertificateChain == nil else {
                throw .key("the bundle is signed with a certificate, not a key; verify it by identity (--certificate-identity, --certificate-oidc-issuer)")
            }
            guard material.publicKey != nil else { throw .bundleFormat("the bundle has no verification material") }
            leaf = nil
            key = given
        case .identity:
            if material.publicKey != nil, material.certificate == nil, material.x509CertificateChain == nil {
                throw .key("the bundle is signed with a key, not a Fulcio certificate; verify it with --key")
            }
            let (certificate, der) = try Self.leafCertificate(material, version: version)
            guard let certificateKey = SigningPublicKey(certificate.publicKey) else {
                throw .certificateChain("the signing certificate's key is not ECDSA or Ed25519")
            }
            leaf = certificate
            leafDER = der
            key = certificateKey
        }

        // The log entry and the log's key.
        guard let entries = material.tlogEntries, entries.count == 1 else {
            throw .transparencyLog("expected exactly one transparency log entry, found \(material.tlogEntries?.count ?? 0)")
        }
        let entry = entries[0]
        guard entry.logIndex.value >= 0 else { throw .transparencyLog("the log index \(entry.logIndex.value) is negative") }
        let logIDText = Data(entry.logId.keyId.bytes).base64EncodedString()
        guard let log = (trustedRoot.tlogs ?? []).first(where: { $0.logId.keyId.bytes == entry.logId.keyId.bytes }) else {
            throw .transparencyLog("log \(logIDText) is not in the trusted root (a bundle from another Sigstore instance?)")
        }
        guard let logKeyBytes = log.publicKey.rawBytes?.bytes, let logKey = SigningPublicKey(spki: logKeyBytes) else {
            throw .trustedRoot("log \(log.baseUrl ?? logIDText) has no usable public key")
        }
        guard let logValidity = log.publicKey.validFor, logValidity.start != nil else {
            throw .trustedRoot("log \(log.baseUrl ?? logIDText) has a public key without validFor.start")
        }

        // Inclusion: proof and checkpoint (required from v0.2), promise (required in v0.1).
        if version == .v0_1, entry.inclusionPromise == nil {
            throw .inclusionPromise("a v0.1 bundle must carry the signed entry timestamp (inclusion promise)")
        }
        if let proof = entry.inclusionProof {
            try Self.checkInclusion(
                proof, body: entry.canonicalizedBody.bytes, logID: entry.logId.keyId.bytes, logKey: logKey, requireCheckpoint: version > .v0_1)
        } else if version > .v0_1 {
            throw .inclusionProof("a v\(version.rawValue) bundle must carry an inclusion proof")
        }

        // Verified times: each RFC 3161 timestamp (over the signature), and the integrated time
        // under a verified signed entry timestamp. A timestamp that does not verify is refused,
        // not skipped; at least one time is required.
        var times: [Date] = []
        let signed = bundle.messageSignature?.signature.bytes ?? bundle.dsseEnvelope?.signatures.first?.sig.bytes ?? []
        for timestamp in material.timestampVerificationData?.rfc3161Timestamps ?? [] {
            times.append(try await RFC3161Timestamp.verifiedTime(der: timestamp.signedTimestamp.bytes, signature: signed, root: trustedRoot))
        }
        if let integrated = entry.integratedTime?.value, integrated != 0, let promise = entry.inclusionPromise {
            let setPayload =
                #"{"body":"\#(Data(entry.canonicalizedBody.bytes).base64EncodedString())","integratedTime":\#(integrated),"logID":"\#(RekorEntryBody.hex(entry.logId.keyId.bytes))","logIndex":\#(entry.logIndex.value)}"#
            guard logKey.isValidSignature(promise.signedEntryTimestamp.bytes, for: Array(setPayload.utf8)) else {
                throw .inclusionPromise("the signed entry timestamp does not verify with the key of log \(log.baseUrl ?? logIDText)")
            }
            times.append(Date(timeIntervalSince1970: TimeInterval(integrated)))
        }
        guard !times.isEmpty else {
            throw .time("the bundle has no verified time: no integrated time with an inclusion promise, and no RFC 3161 timestamp")
        }
        for time in times {
            guard time <= now().addingTimeInterval(60) else { throw .time("the attested time \(time) is in the future") }
            guard logValidity.contains(time) else {
                throw .transparencyLog("the key of log \(log.baseUrl ?? logIDText) was not valid at \(time)")
            }
        }
        let time = times[times.count - 1]

        // The certificate at that time: validity, chain to Fulcio, SCT, usage, identity.
        var identity: FulcioIdentity?
        if let leaf {
            var chain: [Certificate] = []
            for time in times {
                guard leaf.notValidBefore <= time, time <= leaf.notValidAfter else {
                    throw .certificateValidity(
                        "the signing certificate is valid \(leaf.notValidBefore) to \(leaf.notValidAfter), the signature was attested at \(time)")
                }
                chain = try await FulcioChain.validate(leaf: leaf, at: time, root: trustedRoot)
            }
            guard chain.count >= 2 else { throw .certificateChain("the signing certificate is itself a trust anchor") }
            try SignedCertificateTimestamps.verify(leaf: leaf, issuer: chain[1], root: trustedRoot)
            guard (try? leaf.extensions.keyUsage)?.digitalSignature == true else {
                throw .certificateChain("the signing certificate's key usage does not allow digital signatures")
            }
            guard (try? leaf.extensions.extendedKeyUsage)?.contains(.codeSigning) == true else {
                throw .certificateChain("the signing certificate's extended key usage does not include code signing")
            }
            let found = try FulcioIdentity(certificate: leaf)
            if case let .identity(policy) = signer { try policy.check(found) }
            identity = found
        }

        // The signature over the artifact (or the DSSE envelope), and what the log recorded.
        let digest = artifact.sha256
        let verifierDER = leaf == nil ? key.spki : leafDER
        var payloadType: String?
        var predicateType: String?
        let content: LoggedMaterial.Content
        if let signature = bundle.messageSignature {
            if let claimed = signature.messageDigest, claimed.digest.bytes != digest {
                throw .artifactMismatch("the bundle's message digest is not the artifact's sha256:\(RekorEntryBody.hex(digest))")
            }
            try Self.checkMessageSignature(signature.signature.bytes, artifact: artifact, key: key)
            content = .message(signature: signature.signature.bytes, sha256: digest)
        } else if let envelope = bundle.dsseEnvelope {
            guard envelope.signatures.count == 1 else {
                throw .signature("the DSSE envelope must carry exactly one signature, it has \(envelope.signatures.count)")
            }
            let pae = DSSE.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: envelope.payload.bytes)
            guard key.isValidSignature(envelope.signatures[0].sig.bytes, for: pae) else {
                throw .signature("the DSSE envelope's signature does not verify with the \(leaf == nil ? "given key" : "certificate's key")")
            }
            predicateType = try Self.checkInTotoSubject(envelope, artifact: artifact)
            payloadType = envelope.payloadType
            content = .dsse(envelope)
        } else {
            throw .bundleFormat("the bundle has neither a message signature nor a DSSE envelope")
        }
        try RekorEntryBody.check(
            body: entry.canonicalizedBody.bytes, kindVersion: entry.kindVersion,
            material: LoggedMaterial(content: content, verifierDER: verifierDER, isCertificate: leaf != nil, key: key))

        return BundleVerificationResult(
            mediaType: bundle.mediaType, identity: identity,
            keyFingerprint: "sha256:" + RekorEntryBody.hex(Array(SHA256.hash(data: key.spki))),
            verifiedTime: time, logIndex: entry.logIndex.value, logURL: log.baseUrl,
            artifactDigest: "sha256:" + RekorEntryBody.hex(digest), payloadType: payloadType, predicateType: predicateType)
    }

    /// The leaf of the bundle's material, with protobuf-specs' rules on what may accompany it.
    static func leafCertificate(_ material: SigstoreBundle.VerificationMaterial, version: SigstoreBundle.Version) throws(BundleVerificationError)
        -> (certificate: Certificate, der: [UInt8])
    {
        let ders: [[UInt8]]
        if version == .v0_3 {
            guard let certificate = material.certificate else {
                throw .bundleFormat("a v0.3 bundle carries the signing certificate in verificationMaterial.certificate")
            }
            ders = [certificate.rawBytes.bytes]
        } else {
            guard let chain = material.x509CertificateChain?.certificates, !chain.isEmpty else {
                throw .bundleFormat("the bundle's certificate chain is empty")
            }
            ders = chain.map(\.rawBytes.bytes)
        }
        let certificates: [Certificate]
        do { certificates = try ders.map { try Certificate(derEncoded: $0) } } catch {
            throw .bundleFormat("a certificate in the bundle is not DER X.509")
        }
        let leaf = certificates[0]
        if case .isCertificateAuthority? = try? leaf.extensions.basicConstraints {
            throw .certificateChain("the first certificate of the bundle is a CA, not a signing certificate")
        }
        // A root in the bundle would let whoever made it choose their own trust anchor.
        if certificates.dropFirst().contains(where: { $0.subject == $0.issuer }) {
            throw .certificateChain("the bundle's certificate chain contains a root certificate; roots come only from the trusted root")
        }
        return (leaf, ders[0])
    }

    static func checkInclusion(
        _ proof: SigstoreBundle.InclusionProof, body: [UInt8], logID: [UInt8], logKey: SigningPublicKey, requireCheckpoint: Bool
    ) throws(BundleVerificationError) {
        let computed = try MerkleInclusion.rootHash(
            leafIndex: proof.logIndex.value, treeSize: proof.treeSize.value, leafHash: MerkleInclusion.leafHash(body),
            proof: (proof.hashes ?? []).map(\.bytes))
        guard computed == proof.rootHash.bytes else {
            throw .inclusionProof("the proof leads to root \(RekorEntryBody.hex(computed)), not the proof's root \(RekorEntryBody.hex(proof.rootHash.bytes))")
        }
        guard let envelope = proof.checkpoint?.envelope, !envelope.isEmpty else {
            if requireCheckpoint { throw .checkpoint("the inclusion proof carries no signed checkpoint") }
            return
        }
        let checkpoint = try SignedCheckpoint(parsing: envelope)
        try checkpoint.verify(logID: logID, key: logKey)
        guard checkpoint.rootHash == proof.rootHash.bytes else {
            throw .checkpoint("the signed checkpoint's root hash is not the inclusion proof's root hash")
        }
        guard checkpoint.size == proof.treeSize.value else {
            throw .checkpoint("the signed checkpoint's tree size \(checkpoint.size) is not the proof's \(proof.treeSize.value)")
        }
    }

    static func checkMessageSignature(_ signature: [UInt8], artifact: BundleArtifact, key: SigningPublicKey) throws(BundleVerificationError) {
        let valid: Bool
        switch (artifact, key.prehashAlgorithm) {
        case let (.bytes(bytes), _):
            valid = key.isValidSignature(signature, for: bytes)
        case let (.sha256(digest), .sha256?):
            valid = key.isValidSignature(signature, forDigest: digest)
        case (.sha256, _):
            throw .signature("a \(key.name) signature cannot be checked against a SHA-256 digest alone; pass the file")
        }
        guard valid else { throw .signature("the bundle's signature does not verify over the artifact with the signing key") }
    }

    /// Returns the statement's predicate type once a subject carries the artifact's digest
    /// (sha256; or sha512, as npm provenance names packages, when the artifact itself is given).
    static func checkInTotoSubject(_ envelope: SigstoreBundle.Envelope, artifact: BundleArtifact) throws(BundleVerificationError) -> String? {
        guard envelope.payloadType == "application/vnd.in-toto+json" else {
            throw .artifactMismatch("the DSSE payload is '\(envelope.payloadType)', not an in-toto statement naming the artifact")
        }
        guard let statement = (try? JSONSerialization.jsonObject(with: Data(envelope.payload.bytes))) as? [String: Any] else {
            throw .bundleFormat("the DSSE payload is not an in-toto statement (not a JSON object)")
        }
        var wanted = ["sha256": RekorEntryBody.hex(artifact.sha256)]
        if case let .bytes(bytes) = artifact { wanted["sha512"] = RekorEntryBody.hex(Array(SHA512.hash(data: bytes))) }
        let subjects = (statement["subject"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? [String: String] }
        let matches = subjects.contains { digests in wanted.contains { algorithm, hex in digests[algorithm]?.lowercased() == hex } }
        guard matches else {
            let named = subjects.flatMap { $0.map { "\($0.key):\($0.value)" } }.sorted()
            throw .artifactMismatch(
                "no in-toto subject has sha256:\(wanted["sha256"] ?? "") (subjects: \(named.isEmpty ? "none" : named.joined(separator: ", ")))")
        }
        return statement["predicateType"] as? String
    }
}
