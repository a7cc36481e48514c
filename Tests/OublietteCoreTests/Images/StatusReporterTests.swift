import Foundation
import OCIDistribution
import TestSupport
import Testing

@testable import OublietteCore

@Suite("status report")
struct StatusReporterTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")

    /// Counts the registry questions the report asks.
    final class Asked: @unchecked Sendable {
        // @unchecked: `references` is only touched under `lock`.
        private let lock = NSLock()
        private var references: [String] = []
        func add(_ reference: ImageReference) { lock.withLock { references.append(reference.description) } }
        var all: [String] { lock.withLock { references } }
    }

    @Test func aLocallyBuiltImageIsNotComparedWithARegistry() async throws {
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev:latest")
        let base = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-base:latest")
        let provenance = ProvenanceStore(dataDirectory: data)
        try await provenance.record(
            ImageProvenance(reference: dev.description, digest: nil, version: "dev", source: .build, registry: nil, acquiredAt: Date()))
        var config = OublietteConfig(catalogue: .shipped, devMode: false)
        config.updateCheck = .always
        let asked = Asked()
        let reporter = StatusReporter(
            config: config, runtime: ScriptedRuntime(present: [dev, base]), provenance: provenance, cache: UpdateCheckCache(dataDirectory: data),
            registries: RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [String]()),
            remoteDigest: { reference in
                asked.add(reference)
                return Digest.sha256(of: Data("remote".utf8))
            })
        let report = await reporter.report()
        #expect(report.types.first { $0.type == "dev" }?.update == "not-checked")
        #expect(report.types.first { $0.type == "base" }?.update == "available")
        #expect(asked.all == [base.description], "only the pulled image is compared: \(asked.all)")
    }

    @Test("status names who signed the image in use (keyless identity or key), in text and JSON, only when the record vouches for it")
    func statusSaysWhoSigned() async throws {
        let base = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-base:latest")
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev:latest")
        let inEngine = "sha256:" + String(repeating: "d", count: 64)
        let signer =
            "https://github.com/hyphagroup/oubliette/.github/workflows/release.yml@refs/tags/v1.2.3 (issuer https://token.actions.githubusercontent.com)"
        let provenance = ProvenanceStore(dataDirectory: data)
        try await provenance.record(
            ImageProvenance(
                reference: base.description, digest: inEngine, version: "1.2.3", source: .prebuilt, registry: "ghcr.io", acquiredAt: Date(),
                signature: SignatureRecord(
                    status: .verified, mode: "enforce", digest: inEngine, identity: signer, source: "referrer sha256:" + String(repeating: "e", count: 64)),
                imageID: "sha256:" + String(repeating: "c", count: 64)))
        // A record for another digest than the engine's vouches for nothing.
        try await provenance.record(
            ImageProvenance(
                reference: dev.description, digest: "sha256:" + String(repeating: "f", count: 64), version: "1.2.3", source: .prebuilt,
                registry: "ghcr.io", acquiredAt: Date(),
                signature: SignatureRecord(status: .verified, mode: "enforce", digest: "sha256:" + String(repeating: "f", count: 64), keys: ["/k.pub"])))
        var config = OublietteConfig(catalogue: .shipped, devMode: false)
        config.updateCheck = .never
        let reporter = StatusReporter(
            config: config, runtime: ScriptedRuntime(present: [dev, base]), provenance: provenance, cache: UpdateCheckCache(dataDirectory: data),
            registries: RegistryClientFactory(credentials: ChainedCredentials([]), insecureRegistries: [String]()),
            remoteDigest: { _ in nil })
        let report = await reporter.report()
        let baseStatus = try #require(report.types.first { $0.type == "base" })
        #expect(baseStatus.signedBy == signer)
        #expect(baseStatus.provenance.contains("signature verified (keyless: \(signer); referrer sha256:"), "\(baseStatus.provenance)")
        let json = String(decoding: try JSONEncoder().encode(baseStatus), as: UTF8.self)
        #expect(json.contains(#""signed_by":"https:\/\/github.com\/hyphagroup\/oubliette"#), "\(json)")
        #expect(json.contains(#""signature_source":"referrer sha256:"#), "\(json)")
        let devStatus = try #require(report.types.first { $0.type == "dev" })
        #expect(devStatus.signedBy == nil)
        #expect(devStatus.provenance.contains("UNVERIFIED"), "the shipped default enforces: \(devStatus.provenance)")
    }
}
