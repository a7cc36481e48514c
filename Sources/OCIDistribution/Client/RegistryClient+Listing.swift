import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SystemSupport

extension RegistryClient {
    /// How much of a tag list a client reads before it stops: a registry that pages forever
    /// (or answers a huge list) cannot exhaust memory or time.
    package struct ListingLimits: Sendable, Equatable {
        package var maximumPages: Int
        package var maximumTags: Int

        package init(maximumPages: Int = 1000, maximumTags: Int = 100_000) {
            self.maximumPages = maximumPages
            self.maximumTags = maximumTags
        }
    }

    /// All tags of a repository, following `Link: <…>; rel="next"` pages (`n` = `pageSize`).
    /// Fails clearly past `limits` rather than returning a partial list.
    package nonisolated func tags(
        repository: RepositoryName, pageSize: Int? = nil,
        limits: ListingLimits = ListingLimits()
    ) async throws -> [String] {
        var next: String? = "\(baseURL)/v2/\(repository)/tags/list" + (pageSize.map { "?n=\($0)" } ?? "")
        var all: [String] = []
        var seenPages = Set<String>()
        while let url = next {
            guard seenPages.count < limits.maximumPages else {
                throw RegistryError.limitExceeded(
                    registry: registry, request: "GET tags \(repository)",
                    limit: "\(limits.maximumPages) pages of tags")
            }
            guard seenPages.insert(url).inserted else {
                throw RegistryError.protocolViolation(registry: registry, request: "GET tags \(repository)", reason: "the Link header loops back to \(url)")
            }
            let request = RegistryRequest(method: .GET, url: url, scopes: [Self.pullScope(repository)], label: "GET tags \(repository)")
            let response = try await send(request)
            try await expect(response, [200], request: request, notFound: "repository \(repository)")
            let buffer = try await body(of: response, upTo: 16 << 20, request: request)
            struct Page: Decodable { var tags: [String]? }
            guard let page = try? JSONCoding.decode(Page.self, from: Data(buffer.readableBytesView)) else {
                throw RegistryError.protocolViolation(
                    registry: registry, request: request.label, reason: "the tag list is not JSON of the form {\"tags\": […]}")
            }
            all.append(contentsOf: page.tags ?? [])
            guard all.count <= limits.maximumTags else {
                throw RegistryError.limitExceeded(
                    registry: registry, request: "GET tags \(repository)",
                    limit: "\(limits.maximumTags) tags")
            }
            next = Self.nextLink(response.headers["Link"]).map(resolve)
        }
        return all
    }

    /// The target of the `rel="next"` entry among `Link` header values.
    static func nextLink(_ values: [String]) -> String? {
        for value in values {
            for entry in value.split(separator: ",") {
                let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
                let isNext = parts.dropFirst().contains { param in
                    let normalized = param.replacingOccurrences(of: " ", with: "").lowercased()
                    return normalized == "rel=\"next\"" || normalized == "rel=next"
                }
                if isNext { return String(target.dropFirst().dropLast()) }
            }
        }
        return nil
    }

    /// Manifests whose `subject` is `digest` (signatures, SBOMs…): the referrers API, or the
    /// `sha256-<hex>` tag schema on registries without it. Filtered by `artifactType` if given.
    package nonisolated func referrers(repository: RepositoryName, digest: Digest, artifactType: String? = nil) async throws -> [Descriptor] {
        var url = "\(baseURL)/v2/\(repository)/referrers/\(digest)"
        if let artifactType,
            let encoded = artifactType.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "+&=")))
        {
            url += "?artifactType=\(encoded)"
        }
        let request = RegistryRequest(
            method: .GET, url: url, headers: HTTPHeaders([("Accept", MediaType.ociIndex)]),
            scopes: [Self.pullScope(repository)], label: "GET referrers \(repository)@\(digest)")
        let response = try await send(request)
        let index: ImageIndex
        if response.statusCode == 404 {
            await response.drain()
            let fallbackTag = "\(digest.algorithm)-\(digest.encoded)"
            do {
                index = try await manifest(repository: repository, reference: .tag(fallbackTag)).imageIndex()
            } catch let error as RegistryError where error.isNotFound {
                return []
            }
        } else {
            try await expect(response, [200], request: request, notFound: "referrers of \(digest)")
            let buffer = try await body(of: response, upTo: Self.manifestSizeLimit, request: request)
            do { index = try RegistryJSON.decode(ImageIndex.self, from: Data(buffer.readableBytesView)) } catch {
                throw RegistryError.invalidManifest(digest: "referrers of \(digest)", reason: describe(error))
            }
        }
        guard let artifactType else { return index.manifests }
        return index.manifests.filter { $0.artifactType == artifactType }
    }
}
