import ArgumentParser
import CommandSupport
import Foundation
import SigstoreVerification
import SystemSupport

struct VerifyBundleCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Verify a Sigstore bundle for a file or digest, offline (exit 0 only when every check passes).",
        discussion: """
            Speaks the sigstore-conformance CLI protocol: \
            verify-bundle --bundle FILE --certificate-identity ID --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST, \
            or --key FILE.pub instead of the identity for keyed bundles. FILE_OR_DIGEST is the signed \
            file, or sha256:<64 hex> when that is not a path on disk (for a DSSE/in-toto bundle: \
            the digest of a subject of the statement). Checked: the bundle format, the certificate's \
            chain to a Fulcio CA valid at the log's integrated time, its embedded SCT, the Rekor entry's \
            inclusion proof and signed checkpoint and/or signed entry timestamp, the entry's body \
            against the signature, certificate and digest, the signature or DSSE envelope, the in-toto \
            subject, and the identity. Without --trusted-root the shipped Sigstore public-good root is used.
            """)

    @Option(name: .long, help: ArgumentHelp("The Sigstore bundle (.sigstore.json).", valueName: "FILE"))
    var bundle: String

    @OptionGroup(title: "Signer identity (keyless bundles)") var signer: CertificateIdentityOptions

    @Option(name: .long, help: ArgumentHelp("Verify a keyed bundle with this public key (PKIX PEM) instead of an identity.", valueName: "FILE.pub"))
    var key: String?

    @Flag(name: .long, help: "Use Sigstore's staging instance (needs --trusted-root: no staging root is shipped).")
    var staging = false

    @Flag(name: .long, help: "Print what was checked as JSON (also on failure: {\"verified\":false,…}).")
    var json = false

    @Argument(help: ArgumentHelp("The signed file, or sha256:<hex> of it.", valueName: "FILE_OR_DIGEST"))
    var fileOrDigest: String

    @OptionGroup var logging: LoggingOptions

    struct Failure: Encodable {
        let verified = false
        let bundle: String
        let failedCheck: String
        let error: String
    }

    struct Success: Encodable {
        let verified = true
        let bundle: String
        let result: BundleVerificationResult
    }

    func validate() throws {
        if key != nil {
            guard signer.identity == nil, signer.identityRegexp == nil else {
                throw ValidationError("--key and --certificate-identity are exclusive: a bundle is keyed or keyless")
            }
        } else {
            guard signer.identity != nil || signer.identityRegexp != nil else {
                throw ValidationError("give --certificate-identity or --certificate-identity-regexp (or --key for keyed bundles)")
            }
            try signer.validateIdentity()
        }
        if staging, signer.trustedRoot == nil {
            throw ValidationError("--staging needs --trusted-root FILE: only the public-good root is shipped")
        }
    }

    func execute() async throws {
        do {
            let result = try await verify()
            if json {
                try Output.json(Success(bundle: bundle, result: result))
            } else {
                let who = result.identity.map { "\($0.subject) (issuer \($0.issuer ?? "none"))" } ?? "key \(result.keyFingerprint)"
                Output.line(
                    "Verified \(result.artifactDigest) with \(bundle): signed by \(who), logged at \(result.verifiedTime) (\(result.logURL ?? "log") index \(result.logIndex))"
                )
            }
        } catch let error as BundleVerificationError {
            if json { try Output.json(Failure(bundle: bundle, failedCheck: error.check, error: error.description)) }
            throw error
        }
    }

    func verify() async throws(BundleVerificationError) -> BundleVerificationResult {
        let root = try signer.loadTrustedRoot()
        let requirement: SignerRequirement
        if let key {
            let text: String
            do { text = try String(contentsOfFile: key, encoding: .utf8) } catch { throw .key("cannot read \(key): \(describe(error))") }
            guard let parsed = SigningPublicKey(pem: text) else { throw .key("\(key) is not a PEM ECDSA or Ed25519 public key") }
            requirement = .key(parsed)
        } else {
            requirement = .identity(signer.policy)
        }
        let bundleData: Data
        do { bundleData = try Data(contentsOf: URL(fileURLWithPath: bundle)) } catch {
            throw .bundleFormat("cannot read \(bundle): \(describe(error))")
        }
        // Real bundles are tens of kilobytes; a bigger file is not one.
        guard bundleData.count <= Self.bundleLimit else {
            throw .bundleFormat("\(bundle) is \(bundleData.count) bytes, more than a bundle's \(Self.bundleLimit)-byte limit")
        }
        let artifact = try Self.artifact(fileOrDigest)
        return try await BundleVerifier(trustedRoot: root).verify(bundleJSON: bundleData, artifact: artifact, signer: requirement)
    }

    /// The conformance protocol's rule: `sha256:` + 64 hex digits that is not a path on disk is
    /// a digest; anything else is a file.
    static func artifact(_ argument: String) throws(BundleVerificationError) -> BundleArtifact {
        let hex = argument.dropFirst("sha256:".count)
        if argument.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy(\.isHexDigit), !FileManager.default.fileExists(atPath: argument) {
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            return .sha256(bytes)
        }
        return try BundleArtifact.file(at: URL(fileURLWithPath: argument))
    }

    static let bundleLimit = 16 << 20

}
