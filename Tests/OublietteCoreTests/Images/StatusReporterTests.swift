import Foundation
import OCIDistribution
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
}
