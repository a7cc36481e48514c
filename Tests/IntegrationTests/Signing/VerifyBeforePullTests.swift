import Foundation
import ImageSigning
import MCP
import OCIDistribution
import OublietteCore
@preconcurrency import SystemPackage
import Testing

/// The consume side against the bed: `oubliette serve` (MCP over stdio) and `oubliette image
/// pull` / `status` with a `verify` policy, real dockerd, real registry.
@Suite("Verify before pull (oubliette serve and CLI)", .enabled(if: TestBed.isAvailable, TestBed.skipReason), .serialized, .timeLimit(.minutes(10)))
struct VerifyBeforePullTests {
    let bed = TestBed.required

    struct Home {
        let url: URL
        let environment: [String: String]
        let image: String
        let publicKey: URL
    }

    func home(_ label: String, mode: String) throws -> Home {
        let url = try bed.makeTemporaryDirectory("verify-\(label)")
        let image = "\(bed.registry)/verify/\(label)-\(UUID().uuidString.prefix(8).lowercased()):1"
        let publicKey = url.appendingPathComponent("cosign.pub")
        let config = url.appendingPathComponent("oubliette.jsonc")
        try """
        { "containers": { "custom": "\(image)" }, "update_check": "never",
          "verify": { "mode": "\(mode)", "keys": ["cosign.pub"] } }
        """.write(to: config, atomically: true, encoding: .utf8)
        return Home(
            url: url,
            environment: [
                "HOME": url.path, "OUBLIETTE_CONFIG": config.path, "OUBLIETTE_DATA_DIR": url.appendingPathComponent("data").path,
                "DOCKER_HOST": bed.dockerHost, "OUBLIETTE_DEV": "", "OUBLIETTE_CONTAINER_NETWORK": "none", "OUBLIETTE_STOP_TIMEOUT": "5",
            ], image: image, publicKey: publicKey)
    }

    func sign(_ image: String, digest: String, key: SigningKey) async throws {
        let reference = try ImageReference(parsing: image)
        let client = RegistryClient(registry: bed.registry, credentials: ChainedCredentials([]), security: .forRegistry(bed.registry, insecureRegistries: []))
        _ = try await ImageSigner(key: key, client: client).sign(reference.withDigest(try Digest(digest)))
    }

    func call(_ client: Client, _ tool: String, _ arguments: [String: Value]) async throws -> (text: String, isError: Bool) {
        let result = try await client.callTool(name: tool, arguments: arguments)
        let text = result.content.compactMap { content -> String? in
            if case let .text(text, _, _) = content { return text }
            return nil
        }.joined(separator: "\n")
        return (text, result.isError ?? false)
    }

    @Test("enforce: MCP project_create and container_refresh refuse unsigned digests with isError, accept signed ones; status shows it")
    func enforceThroughMCP() async throws {
        let setup = try home("enforce", mode: "enforce")
        let key = SigningKey.generate()
        try Data(key.verificationKey.pem.utf8).write(to: setup.publicKey)
        let firstDigest = try await TestImages.push(setup.image, version: "v1.0.12", marker: "one", bed: bed)

        let process = try ServerProcess(
            binary: TestImages.oublietteBinary().path, arguments: ["serve"], environment: setup.environment,
            stderrFile: setup.url.appendingPathComponent("serve.log"))
        let client = Client(name: "oubliette-tests", version: "1")
        try await client.connect(
            transport: StdioTransport(input: FileDescriptor(rawValue: process.stdoutRead), output: FileDescriptor(rawValue: process.stdinWrite)))

        let refused = try await call(client, "project_create", ["name": "signed", "type": "custom"])
        #expect(refused.isError)
        #expect(refused.text.contains("refusing to pull \(setup.image)"), "\(refused.text)")
        #expect(refused.text.contains(firstDigest), "\(refused.text)")
        #expect(refused.text.contains(setup.publicKey.path), "\(refused.text)")
        #expect(refused.text.contains("no signature found"), "\(refused.text)")

        try await sign(setup.image, digest: firstDigest, key: key)
        let created = try await call(client, "project_create", ["name": "signed", "type": "custom"])
        #expect(!created.isError, "\(created.text)")
        let projectID = try #require((try JSONSerialization.jsonObject(with: Data(created.text.utf8)) as? [String: Any])?["id"] as? String)

        // A new, unsigned push of the same tag: refresh refuses it, then accepts it once signed.
        let secondDigest = try await TestImages.push(setup.image, version: "v1.0.12", marker: "two", bed: bed)
        let refusedRefresh = try await call(client, "container_refresh", ["project_id": .string(projectID)])
        #expect(refusedRefresh.isError)
        #expect(refusedRefresh.text.contains(secondDigest), "\(refusedRefresh.text)")
        try await sign(setup.image, digest: secondDigest, key: SigningKey.generate())
        let wrongKey = try await call(client, "container_refresh", ["project_id": .string(projectID)])
        #expect(wrongKey.isError && wrongKey.text.contains("signed with another key"), "\(wrongKey.text)")
        try await sign(setup.image, digest: secondDigest, key: key)
        let refreshed = try await call(client, "container_refresh", ["project_id": .string(projectID)])
        #expect(!refreshed.isError, "\(refreshed.text)")
        _ = try await call(client, "project_delete", ["project_id": .string(projectID)])
        await client.disconnect()
        _ = await process.shutDown()

        let status = try await ToolRunner.run(TestImages.oublietteBinary().path, ["status"], environment: setup.environment, check: false)
        #expect(status.stdout.contains("signature verified (\(setup.publicKey.path))"), "\(status.stdout)\(status.stderr)")
    }

    @Test("warn: an unsigned image is pulled with one warning, and recorded as unverified")
    func warnPullsAndWarnsOnce() async throws {
        let setup = try home("warn", mode: "warn")
        try Data(SigningKey.generate().verificationKey.pem.utf8).write(to: setup.publicKey)
        try await TestImages.push(setup.image, version: "v1.0.12", marker: "warn", bed: bed)
        let pull = try await ToolRunner.run(TestImages.oublietteBinary().path, ["image", "pull", "custom"], environment: setup.environment, check: false)
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(pull.stderr.components(separatedBy: "verify.mode is warn: pulling anyway").count == 2, "\(pull.stderr)")
        let status = try await ToolRunner.run(TestImages.oublietteBinary().path, ["status", "--json"], environment: setup.environment, check: false)
        #expect(status.stdout.contains("signature UNVERIFIED"), "\(status.stdout)")
    }
}
