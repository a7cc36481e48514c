import Foundation
import NIOHTTP1
import TestSupport
import Testing

@testable import OCIDistribution

/// Fault injection against an in-process fake registry: retries, resumes, digests, auth.
@Suite("Registry client faults")
struct RegistryFaultTests {
    static let manifestJSON = Array(
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#
            .utf8)

    func makeClient(
        _ registry: FakeRegistry, sleeper: RecordingSleeper, credentials: any CredentialSource = AnonymousCredentials(),
        uploadPolicy: UploadPolicy = .default
    ) -> RegistryClient {
        RegistryClient(registry: registry.address, credentials: credentials, retryPolicy: .default, sleeper: sleeper, uploadPolicy: uploadPolicy)
    }

    func randomBytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("registry-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func serverErrorsAreRetriedWithBackoffThenSucceed() async throws {
        try await FakeRegistry.with { registry throws in
            let digest = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let failures = Locked([500, 503])
            registry.setFault { request, _ in
                guard request.path.contains("/manifests/") else { return nil }
                return failures.withLock { $0.isEmpty ? nil : FakeResponse.status($0.removeFirst()) }
            }
            let sleeper = RecordingSleeper()
            let fetched = try await makeClient(registry, sleeper: sleeper).manifest(repository: "app", reference: "1")
            #expect(fetched.digest == digest)
            #expect(fetched.bytes == Data(Self.manifestJSON))
            #expect(await sleeper.slept == [.seconds(1), .seconds(2)])
            #expect(registry.requests("GET", containing: "/manifests/").count == 3)
        }
    }

    @Test func tooManyRequestsHonoursRetryAfter() async throws {
        try await FakeRegistry.with { registry throws in
            _ = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let once = Locked(true)
            registry.setFault { request, _ in
                once.withLock { first in
                    guard first else { return nil }
                    first = false
                    return FakeResponse.status(429, [("Retry-After", "7")], json: #"{"errors":[{"code":"TOOMANYREQUESTS"}]}"#)
                }
            }
            let sleeper = RecordingSleeper()
            _ = try await makeClient(registry, sleeper: sleeper).manifest(repository: "app", reference: "1")
            #expect(await sleeper.slept == [.seconds(7)])
        }
    }

    @Test func persistentServerErrorsGiveUpAfterThreeRetries() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { _, _ in .status(503) }
            let sleeper = RecordingSleeper()
            let client = makeClient(registry, sleeper: sleeper)
            await #expect {
                _ = try await client.manifest(repository: "app", reference: "1")
            } throws: { error in
                guard case let RegistryError.retriesExhausted(_, _, attempts, lastProblem)? = error as? RegistryError else { return false }
                return attempts == 4 && lastProblem.contains("503")
            }
            #expect(await sleeper.slept == [.seconds(1), .seconds(2), .seconds(4)])
            #expect(registry.log.count == 4)
        }
    }

    @Test(arguments: [401, 403, 404])
    func clientErrorsAreNeverRetried(status: Int) async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { _, _ in .status(status, json: #"{"errors":[{"code":"X","message":"nope"}]}"#) }
            let sleeper = RecordingSleeper()
            let client = makeClient(registry, sleeper: sleeper)
            await #expect(throws: RegistryError.self) {
                _ = try await client.manifest(repository: "app", reference: "1")
            }
            #expect(await sleeper.slept.isEmpty)
            #expect(registry.log.count == 1)
        }
    }

    @Test func missingManifestIsNotFoundAndHeadAnswersNil() async throws {
        try await FakeRegistry.with { registry throws in
            let client = makeClient(registry, sleeper: RecordingSleeper())
            await #expect(throws: RegistryError.notFound(registry: registry.address, what: "manifest app:missing")) {
                _ = try await client.manifest(repository: "app", reference: "missing")
            }
            #expect(try await client.manifestDescriptor(repository: "app", reference: "missing") == nil)
        }
    }

    @Test func networkErrorsAreRetriedThenReported() async throws {
        // A port nobody listens on: connection refused on every attempt.
        let server = try await FakeHTTPServer.start { _ in .status(200) }
        let address = server.address
        await server.shutdown()
        let sleeper = RecordingSleeper()
        let client = RegistryClient(
            registry: address, credentials: AnonymousCredentials(), sleeper: sleeper,
            requestTimeout: .milliseconds(300))
        await #expect(throws: RegistryError.self) { try await client.ping() }
        #expect(await sleeper.slept == [.seconds(1), .seconds(2), .seconds(4)])
    }

    @Test(arguments: ["reset", "truncated"])
    func brokenBlobDownloadResumesWithRange(kind: String) async throws {
        try await FakeRegistry.with { registry throws in
            let bytes = randomBytes(300_000)
            let digest = registry.seedBlob(bytes, repository: "app")
            let once = Locked(true)
            registry.setFault { request, _ in
                guard request.method == "GET", request.path.contains("/blobs/"), request.header("Range") == nil else { return nil }
                return once.withLock { first -> FakeResponse? in
                    guard first else { return nil }
                    first = false
                    let partial = Array(bytes.prefix(100_000))
                    return kind == "reset"
                        ? .reset(headers: [], declaredLength: bytes.count, partial: partial)
                        : .truncated(headers: [], declaredLength: bytes.count, partial: partial)
                }
            }
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let target = directory.appendingPathComponent("blob")
            let sleeper = RecordingSleeper()
            let client = makeClient(registry, sleeper: sleeper)
            try await client.pullBlob(repository: "app", digest: digest, to: target, expectedSize: Int64(bytes.count))
            #expect(try Data(contentsOf: target) == Data(bytes))
            let ranged = registry.log.compactMap { $0.header("Range") }
            #expect(ranged.count == 1)
            #expect(ranged.first.map { $0.hasPrefix("bytes=") && $0 != "bytes=0-" } == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["blob"])
            #expect(await sleeper.slept.count == 1)
        }
    }

    @Test func wrongDigestIsRejectedAndLeavesNothingOnDisk() async throws {
        try await FakeRegistry.with { registry throws in
            let bytes = randomBytes(50_000)
            let digest = registry.seedBlob(bytes, repository: "app")
            registry.setFault { request, _ in
                guard request.path.contains("/blobs/") else { return nil }
                var corrupted = bytes
                corrupted[10] ^= 0xff
                return .reply(status: 200, body: corrupted)
            }
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let client = makeClient(registry, sleeper: RecordingSleeper())
            await #expect {
                try await client.pullBlob(repository: "app", digest: digest, to: directory.appendingPathComponent("blob"))
            } throws: { error in
                if case RegistryError.digestMismatch? = error as? RegistryError { return true }
                return false
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
            #expect(await client.counters.blobsDownloaded == 0)
        }
    }

    @Test func manifestWithWrongDigestHeaderIsRejected() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { _, _ in
                .reply(
                    status: 200,
                    headers: [
                        ("Content-Type", MediaType.ociManifest),
                        ("Docker-Content-Digest", "sha256:" + String(repeating: "0", count: 64)),
                    ],
                    body: Self.manifestJSON)
            }
            let client = makeClient(registry, sleeper: RecordingSleeper())
            await #expect {
                _ = try await client.manifest(repository: "app", reference: "1")
            } throws: { error in
                if case RegistryError.digestMismatch? = error as? RegistryError { return true }
                return false
            }
        }
    }

    @Test func tokenExpiryMidUploadIsRefreshedAndTheChunkResent() async throws {
        try await FakeRegistry.with(requireToken: true) { registry throws in
            let bytes = randomBytes(3 * 40_000 + 123)
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("layer")
            try Data(bytes).write(to: file)
            // After the first PATCH succeeds, every token issued so far expires.
            let expired = Locked(false)
            registry.setFault { request, state in
                if request.method == "PATCH", state.log.filter({ $0.method == "PATCH" }).count == 2,
                    expired.withLock({
                        let done = $0; $0 = true; return !done
                    })
                {
                    state.validTokens.removeAll()
                }
                return nil
            }
            let client = makeClient(registry, sleeper: RecordingSleeper(), uploadPolicy: UploadPolicy(monolithicLimit: 1000, chunkSize: 40_000))
            let outcome = try await client.pushBlob(repository: "app", file: file, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
            #expect(outcome == .uploaded(bytes: Int64(bytes.count)))
            // HEAD/pull token, push token, and the push token re-fetched after expiry.
            #expect(registry.state.withLock { $0.tokensIssued } == 3)
            #expect(registry.state.withLock { $0.blobs[Digest.sha256(of: bytes).description] } == bytes)
            // 4 chunks plus the one re-sent after the 401.
            #expect(registry.requests("PATCH", containing: "/blobs/uploads/").count == 5)
            #expect(await client.counters.blobBytesUploaded == Int64(bytes.count))
        }
    }

    @Test func rangeMismatchDuringChunkedUploadRecoversFromUploadStatus() async throws {
        try await FakeRegistry.with { registry throws in
            let bytes = randomBytes(100_000)
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("layer")
            try Data(bytes).write(to: file)
            // The second PATCH "half arrives": the registry stores 10 bytes of it, then says 416.
            let once = Locked(true)
            registry.setFault { request, state in
                guard request.method == "PATCH", state.log.filter({ $0.method == "PATCH" }).count == 2,
                    once.withLock({
                        let first = $0; $0 = false; return first
                    }),
                    let id = request.path.split(separator: "/").last.map(String.init), var upload = state.uploads[id]
                else { return nil }
                upload.data += request.body.prefix(10)
                state.uploads[id] = upload
                return .status(416)
            }
            let client = makeClient(registry, sleeper: RecordingSleeper(), uploadPolicy: UploadPolicy(monolithicLimit: 1000, chunkSize: 30_000))
            _ = try await client.pushBlob(repository: "app", file: file, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
            #expect(registry.state.withLock { $0.blobs[Digest.sha256(of: bytes).description] } == bytes)
            #expect(registry.requests("GET", containing: "/blobs/uploads/").count == 1)
            let ranges = registry.requests("PATCH", containing: "/blobs/uploads/").compactMap { $0.header("Content-Range") }
            #expect(ranges.contains("30010-60009"))
        }
    }

    @Test func chunkedUploadHonoursMinimumChunkLength() async throws {
        try await FakeRegistry.with { registry throws in
            registry.setFault { request, state in
                guard request.method == "POST" else { return nil }
                state.nextUpload += 1
                state.uploads["u\(state.nextUpload)"] = ("app", [])
                return .status(202, [("Location", "/v2/app/blobs/uploads/u\(state.nextUpload)"), ("OCI-Chunk-Min-Length", "50000")])
            }
            let bytes = randomBytes(120_000)
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("layer")
            try Data(bytes).write(to: file)
            let client = makeClient(registry, sleeper: RecordingSleeper(), uploadPolicy: UploadPolicy(monolithicLimit: 1000, chunkSize: 10_000))
            _ = try await client.pushBlob(repository: "app", file: file, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
            let ranges = registry.requests("PATCH", containing: "/blobs/uploads/").compactMap { $0.header("Content-Range") }
            #expect(ranges == ["0-49999", "50000-99999", "100000-119999"])
        }
    }

    @Test func crossRepositoryMountSendsNoBytes() async throws {
        try await FakeRegistry.with { registry throws in
            let bytes = randomBytes(10_000)
            let digest = registry.seedBlob(bytes, repository: "base")
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("layer")
            try Data(bytes).write(to: file)
            let client = makeClient(registry, sleeper: RecordingSleeper())
            let outcome = try await client.pushBlob(repository: "app", file: file, digest: digest, size: Int64(bytes.count), mountFrom: ["other", "base"])
            #expect(outcome == .mounted(from: "base"))
            #expect(registry.requests("PATCH", containing: "").isEmpty)
            #expect(registry.requests("PUT", containing: "/blobs/").isEmpty)
            // The failed mount from "other" opened a session, which was cancelled.
            #expect(registry.requests("DELETE", containing: "/blobs/uploads/").count == 1)
            let second = try await client.pushBlob(repository: "app", file: file, digest: digest, size: Int64(bytes.count))
            #expect(second == .existed)
            let counters = await client.counters
            #expect(counters.blobsMounted == 1 && counters.blobsSkipped == 1 && counters.blobBytesUploaded == 0)
        }
    }

    @Test func anonymousBearerFlowCachesTheTokenPerScope() async throws {
        try await FakeRegistry.with(requireToken: true) { registry throws in
            _ = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let client = makeClient(registry, sleeper: RecordingSleeper())
            _ = try await client.manifest(repository: "app", reference: "1")
            _ = try await client.manifest(repository: "app", reference: "1")
            _ = try await client.manifestDescriptor(repository: "app", reference: "1")
            #expect(registry.state.withLock { $0.tokensIssued } == 1)
            let scope = registry.state.withLock { $0.tokenRequests.first?.query["scope"] }
            #expect(scope == "repository:app:pull")
            // One 401 for the first request, then three authorised ones.
            #expect(registry.log.count == 4)
        }
    }

    @Test func basicAuthFailureNamesTheRegistryButNotTheSecret() async throws {
        try await FakeRegistry.with(basicAuth: ("alice", "right-password")) { registry throws in
            let client = makeClient(
                registry, sleeper: RecordingSleeper(),
                credentials: StaticCredentials(.basic(username: "alice", password: "wrong-password-123")))
            do {
                try await client.ping()
                Issue.record("ping should fail with wrong credentials")
            } catch {
                let text = "\(error) \(error.localizedDescription)"
                #expect(text.contains(registry.address))
                #expect(text.contains("401"))
                #expect(!text.contains("wrong-password-123"))
                #expect(!text.contains(Data("alice:wrong-password-123".utf8).base64EncodedString()))
            }
            let good = makeClient(
                registry, sleeper: RecordingSleeper(),
                credentials: StaticCredentials(.basic(username: "alice", password: "right-password")))
            try await good.ping()
        }
    }

    @Test func crossOriginRedirectDropsAuthorization() async throws {
        let storageRequests = Locked<[FakeRequest]>([])
        let bytes = randomBytes(5_000)
        let storage = try await FakeHTTPServer.start { request in
            storageRequests.withLock { $0.append(request) }
            return .reply(status: 200, body: bytes)
        }
        try await withFixture(storage, tearDown: { await $0.shutdown() }) { storage throws in
            try await FakeRegistry.with(basicAuth: ("bob", "hunter2-secret")) { registry throws in
                let digest = Digest.sha256(of: bytes)
                registry.setFault { request, _ in
                    guard request.path.contains("/blobs/"), request.header("Authorization") != nil else { return nil }
                    return .status(307, [("Location", "http://\(storage.address)/blob-data?sig=abc")])
                }
                let directory = try scratchDirectory()
                defer { try? FileManager.default.removeItem(at: directory) }
                let client = makeClient(
                    registry, sleeper: RecordingSleeper(), credentials: StaticCredentials(.basic(username: "bob", password: "hunter2-secret")))
                try await client.pullBlob(repository: "app", digest: digest, to: directory.appendingPathComponent("blob"))
                let seen = storageRequests.current
                #expect(seen.count == 1)
                #expect(seen.first?.header("Authorization") == nil)
                #expect(registry.log.contains { $0.path.contains("/blobs/") && $0.header("Authorization") != nil })
            }
        }
    }

    @Test func tagsFollowLinkPagination() async throws {
        try await FakeRegistry.with { registry throws in
            let expected = (0..<23).map { String(format: "t%03d", $0) }
            for tag in expected { _ = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: tag) }
            let client = makeClient(registry, sleeper: RecordingSleeper())
            #expect(try await client.tags(repository: "app", pageSize: 5) == expected)
            #expect(registry.requests("GET", containing: "/tags/list").count == 5)
        }
    }

    @Test func putManifestRejectsDisagreeingMediaTypeBeforeSending() async throws {
        try await FakeRegistry.with { registry throws in
            let client = makeClient(registry, sleeper: RecordingSleeper())
            await #expect(throws: RegistryError.mediaTypeMismatch(declared: MediaType.ociManifest, requested: MediaType.dockerManifest)) {
                try await client.putManifest(Data(Self.manifestJSON), mediaType: MediaType.dockerManifest, repository: "app", reference: "1")
            }
            #expect(registry.log.isEmpty)
        }
    }

    @Test func addTagsPutsTheSameBytesWithoutBlobTraffic() async throws {
        try await FakeRegistry.with { registry throws in
            let digest = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: "1.2.0")
            let client = makeClient(registry, sleeper: RecordingSleeper())
            try await client.addTags(["1.2", "1"], to: ImageReference(parsing: "\(registry.address)/app:1.2.0"))
            for tag in ["1.2", "1"] {
                #expect(try await client.manifest(repository: "app", reference: .tag(tag)).digest == digest)
            }
            #expect(!registry.log.contains { $0.path.contains("/blobs/") })
            let puts = registry.requests("PUT", containing: "/manifests/")
            #expect(puts.map(\.body) == [Self.manifestJSON, Self.manifestJSON])
            #expect(puts.allSatisfy { $0.header("Content-Type") == MediaType.ociManifest })
        }
    }

    @Test func manifestRequestsAcceptAllFourTypes() async throws {
        try await FakeRegistry.with { registry throws in
            _ = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let client = makeClient(registry, sleeper: RecordingSleeper())
            _ = try await client.manifest(repository: "app", reference: "1")
            let accept = registry.log.first?.headers["Accept"].joined(separator: ",") ?? ""
            for type in MediaType.acceptedManifestTypes { #expect(accept.contains(type)) }
        }
    }

    @Test func referrersFallBackToTheTagSchema() async throws {
        try await FakeRegistry.with { registry throws in
            let subject = Digest.sha256(of: Self.manifestJSON)
            let signature = Descriptor(
                mediaType: MediaType.ociManifest, digest: Digest.sha256(of: Array("sig".utf8)), size: 3,
                artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json")
            let sbom = Descriptor(
                mediaType: MediaType.ociManifest, digest: Digest.sha256(of: Array("sbom".utf8)), size: 4,
                artifactType: "application/spdx+json")
            let index = try RegistryJSON.encode(ImageIndex(manifests: [signature, sbom]))
            _ = registry.seedManifest(Array(index), mediaType: MediaType.ociIndex, repository: "app", tag: "sha256-\(subject.encoded)")
            let client = makeClient(registry, sleeper: RecordingSleeper())
            #expect(try await client.referrers(repository: "app", digest: subject) == [signature, sbom])
            #expect(try await client.referrers(repository: "app", digest: subject, artifactType: "application/spdx+json") == [sbom])
            #expect(try await client.referrers(repository: "app", digest: Digest.sha256(of: Array("other".utf8))) == [])
        }
    }

    @Test func pullFallsBackToTheNextMirrorAndNamesIt() async throws {
        let down = try await FakeHTTPServer.start { _ in .status(200) }
        let downAddress = down.address
        await down.shutdown()
        try await FakeRegistry.with { mirror throws in
            let configBytes = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let config = mirror.seedBlob(configBytes, repository: "app")
            let manifest = ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: config, size: Int64(configBytes.count)), layers: [])
            let manifestBytes = Array(try RegistryJSON.encode(manifest))
            let digest = mirror.seedManifest(manifestBytes, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let sleeper = RecordingSleeper()
            let downClient = RegistryClient(
                registry: downAddress, credentials: AnonymousCredentials(), retryPolicy: .none,
                sleeper: sleeper, requestTimeout: .milliseconds(300))
            let copier = ImageCopier(
                registries: RegistryClientFactory(credentials: AnonymousCredentials(), sleeper: sleeper), sourceMirrors: [mirror.address], clients: [downClient]
            )
            let directory = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let result = try await copier.copy(
                from: .registry(ImageReference(parsing: "\(downAddress)/app:1")),
                to: .ociLayout(directory: directory, tag: "1"))
            #expect(result.digest == digest)
            #expect(result.sourceRegistryUsed == mirror.address)
            #expect(try OCILayout.open(directory).readBlob(config) == Data(configBytes))
        }
    }
}
