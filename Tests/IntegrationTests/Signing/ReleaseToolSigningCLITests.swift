import Foundation
import OCIDistribution
import Testing

/// The signing verbs of the built `release-tool`, as a maintainer or CI runs them, against the
/// bed's registry, including cosign's own test key.
@Suite("release-tool keys/sign/verify (built binary)", .serialized)
struct ReleaseToolSigningCLITests {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/cosign")

    func tool(_ arguments: [String], password: String?) async throws -> ToolResult {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        // An unset COSIGN_PASSWORD must not fall back to a prompt: stdin is not a terminal here.
        var environment: [String: String] = [:]
        if let password { environment["COSIGN_PASSWORD"] = password }
        return try await ToolRunner.run(binary.path, arguments, environment: environment, check: false)
    }

    @Test(
        "keys generate, sign, verify --json, verify-attestation; failures exit non-zero naming the check",
        .enabled(if: SigningRegistryTests.enabled, SigningRegistryTests.reason))
    func roundTrip() async throws {
        let bed = TestBed.required
        let (_, repository, digest, second) = try await SigningRegistryTests.images(bed, label: "cli")
        let directory = try bed.makeTemporaryDirectory("cli-keys")
        let prefix = directory.appendingPathComponent("release").path

        let generated = try await tool(["keys", "generate", "--output-key-prefix", prefix, "--json"], password: "pw")
        #expect(generated.status == 0, "\(generated.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: prefix + ".key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await tool(["keys", "generate", "--output-key-prefix", prefix], password: "pw").status != 0, "overwrote without --force")
        // Our key file loads in the independent reader.
        #expect(try await SigningRegistryTests.spec(["load-key", prefix + ".key"]).stdout == (try String(contentsOfFile: prefix + ".pub", encoding: .utf8)))

        let reference = "\(bed.registry)/\(repository):1"
        let signed = try await tool(["sign", reference, "--key", prefix + ".key"], password: "pw")
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try await tool(["sign", reference, "--key", prefix + ".key"], password: "pw").stdout.contains("already signed by this key"))

        let verified = try await tool(["verify", reference, "--key", prefix + ".pub", "--json"], password: nil)
        #expect(verified.status == 0, "\(verified.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: verified.stdoutData) as? [String: Any])
        #expect(report["verified"] as? Bool == true)
        #expect((report["result"] as? [String: Any])?["digest"] as? String == digest.description)

        // The second image is unsigned: exit non-zero, JSON says which check failed.
        let unsigned = try await tool(["verify", "\(bed.registry)/\(repository)@\(second)", "--key", prefix + ".pub", "--json"], password: nil)
        #expect(unsigned.status != 0)
        #expect(
            unsigned.stdout.contains("\"failed_check\" : \"signature-present\"") || unsigned.stdout.contains("\"failed_check\":\"signature-present\""),
            "\(unsigned.stdout)")

        // cosign's own test key (password "hello") signs; its public key verifies; ours does not.
        let cosignKey = Self.fixtures.appendingPathComponent("sigstore-hello.key").path
        #expect(try await tool(["sign", "\(bed.registry)/\(repository)@\(second)", "--key", cosignKey], password: "hello").status == 0)
        let cosignPub = directory.appendingPathComponent("cosign-hello.pub")
        try await Data(try SigningRegistryTests.spec(["load-key", cosignKey], password: "hello").stdoutData).write(to: cosignPub)
        #expect(try await tool(["verify", "\(bed.registry)/\(repository)@\(second)", "--key", cosignPub.path], password: nil).status == 0)
        let wrong = try await tool(["verify", "\(bed.registry)/\(repository)@\(second)", "--key", prefix + ".pub"], password: nil)
        #expect(wrong.status != 0 && wrong.stderr.contains("signed with another key"), "\(wrong.stderr)")
        // …and the independent verifier agrees.
        #expect(try await SigningRegistryTests.spec(["verify", cosignPub.path, bed.registry, repository.value, second.description]).status == 0)

        // A wrong password is said to be one.
        let badPassword = try await tool(["sign", reference, "--key", cosignKey], password: "nope")
        #expect(badPassword.status != 0 && badPassword.stderr.contains("wrong password"), "\(badPassword.stderr)")

        // No attestation yet: verify-attestation fails and says so.
        let none = try await tool(["verify-attestation", reference, "--key", prefix + ".pub", "--type", "slsaprovenance"], password: nil)
        #expect(none.status != 0 && none.stderr.contains("no attestation found"), "\(none.stderr)")
    }
}
