import Foundation
import OCIDistribution

/// One registry client per registry for a whole publish, taken from the factory the signer
/// and the SBOM step share, so the report's counters cover every request the publish made.
struct PublishSession: Sendable {
    let clients: [String: RegistryClient]
    let before: [String: TransferCounters]
    let rootBuilds = BuildSerializer()

    init(plan: ReleasePlan, registries: RegistryClientFactory) async throws {
        var clients: [String: RegistryClient] = [:]
        for image in plan.images {
            let registry = try image.reference().registry
            if clients[registry] == nil { clients[registry] = await registries.client(for: registry) }
        }
        var before: [String: TransferCounters] = [:]
        for (registry, client) in clients { before[registry] = await client.counters }
        self.clients = clients
        self.before = before
    }

    var allClients: [RegistryClient] { Array(clients.values) }

    func client(for reference: ImageReference) throws(PublishError) -> RegistryClient {
        guard let client = clients[reference.registry] else { throw .pushedImageMissing(type: reference.repository, reference: reference.description) }
        return client
    }

    /// What the clients moved since the session began, summed over registries.
    func counters() async -> TransferCounters {
        var total = TransferCounters()
        for (registry, client) in clients {
            let now = await client.counters
            total = total + (now - (before[registry] ?? TransferCounters()))
        }
        return total
    }
}
