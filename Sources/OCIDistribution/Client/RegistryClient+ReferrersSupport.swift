import AsyncHTTPClient
import Foundation
import NIOHTTP1

extension RegistryClient {
    /// Whether the registry implements the OCI 1.1 referrers API (`GET /v2/NAME/referrers/
    /// DIGEST` answers 200 with an index); registries without it answer 404 and clients
    /// use the `sha256-<hex>` tag schema instead.
    package nonisolated func supportsReferrersAPI(repository: RepositoryName, digest: Digest) async throws -> Bool {
        let request = RegistryRequest(
            method: .GET, url: "\(baseURL)/v2/\(repository)/referrers/\(digest)", headers: HTTPHeaders([("Accept", MediaType.ociIndex)]),
            scopes: [Self.pullScope(repository)], label: "GET referrers \(repository)@\(digest)")
        let response = try await send(request)
        await response.drain()
        guard response.statusCode == 200 else { return false }
        return Self.mediaType(contentType: response.headers["Content-Type"].first) == MediaType.ociIndex
    }
}
