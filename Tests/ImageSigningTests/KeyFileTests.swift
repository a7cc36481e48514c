import CosignKeyFiles
import Foundation
import ImageSigning
import Testing

@Suite("Cosign key files")
struct KeyFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/cosign")

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("cosign's SIGSTORE-labelled test key loads with its password and signs verifiably")
    func loadsCosignSigstoreKey() throws {
        let key = try SigningKey(pem: try Self.fixture("sigstore-hello.key"), password: Data("hello".utf8))
        let message = Data("payload".utf8)
        #expect(try key.verificationKey.isValidSignature(try key.sign(message), for: message))
        #expect(try !key.verificationKey.isValidSignature(try key.sign(message), for: Data("other".utf8)))
    }

    @Test("cosign's older COSIGN-labelled EC key (SEC1 inside, N=65536) loads")
    func loadsLegacyCosignKey() throws {
        let key = try SigningKey(pem: try Self.fixture("cosign-ec-hello.key"), password: Data("hello".utf8))
        #expect(key.verificationKey.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
    }

    @Test("a wrong password is reported as a wrong password, naming the file")
    func wrongPassword() throws {
        #expect(throws: KeyFileError.wrongPassword(path: "k")) {
            _ = try SigningKey(pem: try Self.fixture("sigstore-hello.key"), password: Data("nope".utf8), path: "k")
        }
        #expect(throws: KeyFileError.wrongPassword(path: "ci")) {
            _ = try SigningKey(pem: try Self.fixture("cosign-test.key"), password: Data(), path: "ci")
        }
    }

    @Test("cosign's CI public key parses as PKIX P-256 and round-trips to the same PEM")
    func publicKeyRoundTrip() throws {
        let text = try Self.fixture("cosign-test.pub")
        let key = try VerificationKey(pem: text)
        #expect(key.pem == text)
        #expect(key.fingerprint.hasPrefix("sha256:"))
    }

    @Test("generated keys are written in cosign's format and read back")
    func generateRoundTrip() throws {
        let key = SigningKey.generate()
        let pem = try key.encryptedPEM(password: Data("pw".utf8))
        #expect(pem.hasPrefix("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"))
        let block = try #require(PEMBlock(parsing: pem))
        let json = try #require(try JSONSerialization.jsonObject(with: block.bytes) as? [String: Any])
        let kdf = try #require(json["kdf"] as? [String: Any])
        #expect(kdf["name"] as? String == "scrypt")
        #expect((kdf["params"] as? [String: Any])?["N"] as? Int == 32768)
        #expect((json["cipher"] as? [String: Any])?["name"] as? String == "nacl/secretbox")
        let again = try SigningKey(pem: pem, password: Data("pw".utf8))
        #expect(again.verificationKey == key.verificationKey)
    }

    @Test("garbage and foreign PEM types are refused with the reason")
    func refusesGarbage() {
        #expect(throws: KeyFileError.notPEM(path: "x", expected: SigningKey.pemType)) {
            _ = try SigningKey(pem: "hello", password: Data(), path: "x")
        }
        #expect(throws: KeyFileError.unsupportedPEMType(path: "x", type: "RSA PRIVATE KEY")) {
            _ = try SigningKey(pem: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", password: Data(), path: "x")
        }
        let hostile = PEMBlock(
            type: SigningKey.pemType,
            bytes: Data(
                #"{"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AA=="},"ciphertext":"AA=="}"#
                    .utf8)
        ).text
        #expect(throws: KeyFileError.self) { _ = try SigningKey(pem: hostile, password: Data(), path: "x") }
    }
}
