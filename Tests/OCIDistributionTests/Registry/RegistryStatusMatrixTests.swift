import Foundation
import TestSupport
import Testing

@testable import OCIDistribution

/// Every request the registry client makes, against every answer a registry can give: the
/// client never traps (a body read twice used to kill the process with SIGILL on a blob HEAD
/// answered 401) and always fails with a `RegistryError` a user can act on.
@Suite("Registry client status matrix")
struct RegistryStatusMatrixTests {
    /// One kind of request, driven through the public API that makes it.
    struct Operation: Sendable, CustomTestStringConvertible {
        var name: String
        /// Which request gets the injected answer.
        var targets: @Sendable (FakeRequest) -> Bool
        /// Best-effort requests (an upload cancel, a capability probe, a 404 meaning
        /// "absent") may succeed whatever they are answered.
        var bestEffort = false
        var requireToken = false
        var run: @Sendable (RegistryClient, FakeRegistry, URL) async throws -> Void
        var testDescription: String { name }
    }

    /// An answer a registry can send.
    struct Answer: Sendable {
        var name: String
        var status: Int?
        var response: @Sendable (_ method: String) -> FakeResponse
    }

    static let manifestJSON = Array(
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#
            .utf8)
    static let blob = Array("{}".utf8)

    static func isBlob(_ request: FakeRequest) -> Bool {
        request.path.contains("/blobs/sha256:")
    }
    static func isUpload(_ request: FakeRequest) -> Bool { request.path.contains("/blobs/uploads/") }

    static let operations: [Operation] = [
        Operation(name: "GET /v2/", targets: { $0.path == "/v2/" }) { client, _, _ in try await client.ping() },
        Operation(name: "HEAD blob", targets: { $0.method == "HEAD" && isBlob($0) }) { client, registry, _ in
            _ = try await client.blobExists(repository: "app", digest: Digest.sha256(of: blob))
        },
        Operation(name: "GET blob (in memory)", targets: { $0.method == "GET" && isBlob($0) }) { client, _, _ in
            _ = try await client.blob(repository: "app", digest: Digest.sha256(of: blob))
        },
        Operation(name: "GET blob (streamed)", targets: { $0.method == "GET" && isBlob($0) }) { client, _, directory in
            try await client.pullBlob(
                repository: "app", digest: Digest.sha256(of: blob), to: directory.appendingPathComponent("blob"), expectedSize: Int64(blob.count))
        },
        Operation(name: "POST upload", targets: { $0.method == "POST" && isUpload($0) && $0.query["mount"] == nil }) { client, _, _ in
            try await client.pushBlob(repository: "app", data: Data("new".utf8))
        },
        Operation(name: "PUT upload", targets: { $0.method == "PUT" && isUpload($0) }) { client, _, _ in
            try await client.pushBlob(repository: "app", data: Data("new".utf8))
        },
        Operation(name: "PATCH upload", targets: { $0.method == "PATCH" }) { _, registry, _ in
            let chunked = RegistryClient(
                registry: registry.address, credentials: AnonymousCredentials(), sleeper: RecordingSleeper(),
                uploadPolicy: UploadPolicy(monolithicLimit: 4, chunkSize: 4))
            try await chunked.pushBlob(repository: "app", data: Data("twelve bytes".utf8))
        },
        Operation(name: "GET upload status", targets: { $0.method == "GET" && isUpload($0) }) { _, registry, _ in
            // A PATCH answered 416 makes the client ask the upload's status.
            let previous = registry.fault.current
            registry.setFault { request, state in
                if request.method == "PATCH" { return .status(416) }
                return previous?(request, &state)
            }
            let chunked = RegistryClient(
                registry: registry.address, credentials: AnonymousCredentials(), sleeper: RecordingSleeper(),
                uploadPolicy: UploadPolicy(monolithicLimit: 4, chunkSize: 4))
            try await chunked.pushBlob(repository: "app", data: Data("twelve bytes".utf8))
        },
        Operation(name: "POST mount", targets: { $0.method == "POST" && $0.query["mount"] != nil }) { client, _, _ in
            _ = try await client.mountBlob(repository: "other", digest: Digest.sha256(of: blob), from: "app")
        },
        Operation(name: "DELETE upload", targets: { $0.method == "DELETE" && isUpload($0) }, bestEffort: true) { client, _, _ in
            // Nothing to mount from "nowhere": the offered session is cancelled.
            _ = try await client.mountBlob(repository: "other", digest: Digest.sha256(of: blob), from: "nowhere")
        },
        Operation(name: "GET manifest", targets: { $0.method == "GET" && $0.path.contains("/manifests/") }) { client, _, _ in
            _ = try await client.manifest(repository: "app", reference: "1")
        },
        Operation(name: "HEAD manifest", targets: { $0.method == "HEAD" && $0.path.contains("/manifests/") }) { client, _, _ in
            _ = try await client.manifestDescriptor(repository: "app", reference: "1")
        },
        Operation(name: "PUT manifest", targets: { $0.method == "PUT" && $0.path.contains("/manifests/") }) { client, _, _ in
            try await client.putManifest(Data(manifestJSON), mediaType: MediaType.ociManifest, repository: "app", reference: "2")
        },
        Operation(name: "DELETE manifest", targets: { $0.method == "DELETE" && $0.path.contains("/manifests/") }) { client, _, _ in
            try await client.deleteManifest(repository: "app", digest: Digest.sha256(of: manifestJSON))
        },
        Operation(name: "GET tags", targets: { $0.path.hasSuffix("/tags/list") }) { client, _, _ in
            _ = try await client.tags(repository: "app")
        },
        Operation(name: "GET referrers", targets: { $0.path.contains("/referrers/") }) { client, _, _ in
            _ = try await client.referrers(repository: "app", digest: Digest.sha256(of: manifestJSON))
        },
        Operation(name: "GET referrers (probe)", targets: { $0.path.contains("/referrers/") }, bestEffort: true) { client, _, _ in
            _ = try await client.supportsReferrersAPI(repository: "app", digest: Digest.sha256(of: manifestJSON))
        },
        Operation(name: "GET token", targets: { $0.path == "/token" }, requireToken: true) { client, _, _ in
            _ = try await client.manifest(repository: "app", reference: "1")
        },
    ]

    static let errorBody = #"{"errors":[{"code":"DENIED","message":"the registry says no"}]}"#

    static var answers: [Answer] {
        var answers: [Answer] = []
        for status in [200, 201, 202, 204, 206, 301, 304, 307, 400, 401, 403, 404, 405, 409, 416, 429, 500, 502, 503, 504, 599] {
            answers.append(
                Answer(name: "\(status)", status: status) { method in
                    method == "HEAD" ? .status(status) : .status(status, json: errorBody)
                })
        }
        answers += [
            Answer(name: "401 Basic challenge", status: 401) { _ in
                .status(401, [("WWW-Authenticate", #"Basic realm="fake""#)], json: errorBody)
            },
            Answer(name: "401 Bearer challenge", status: 401) { _ in
                .status(401, [("WWW-Authenticate", #"Bearer realm="http://127.0.0.1:1/token",service="fake""#)], json: errorBody)
            },
            Answer(name: "200 empty", status: nil) { _ in .reply(status: 200) },
            Answer(name: "200 not JSON", status: nil) { _ in .reply(status: 200, body: Array("<html>hello</html>".utf8)) },
            Answer(name: "200 truncated", status: nil) { _ in .truncated(headers: [], declaredLength: 1000, partial: Array("{\"x\":".utf8)) },
            Answer(name: "200 reset", status: nil) { _ in .reset(headers: [], declaredLength: 1000, partial: Array("{\"x\":".utf8)) },
            Answer(name: "200 oversized", status: nil) { _ in .stream(headers: [], total: 9 << 20, sent: Locked(0)) },
        ]
        return answers
    }

    @Test(arguments: operations)
    func everyAnswerIsATypedErrorOrASuccess(operation: Operation) async throws {
        var failures: [String] = []
        for answer in Self.answers {
            let registry = try await FakeRegistry.start(requireToken: operation.requireToken)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("status-matrix-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = registry.seedBlob(Self.blob, repository: "app")
            _ = registry.seedManifest(Self.manifestJSON, mediaType: MediaType.ociManifest, repository: "app", tag: "1")
            let targets = operation.targets
            if operation.requireToken {
                registry.tokenFault.withLock { $0 = { request in targets(request) ? answer.response(request.method) : nil } }
            } else {
                registry.setFault { request, _ in targets(request) ? answer.response(request.method) : nil }
            }
            let client = RegistryClient(registry: registry.address, credentials: AnonymousCredentials(), sleeper: RecordingSleeper())
            let outcome: String
            do {
                try await operation.run(client, registry, directory)
                outcome = "success"
                if let status = answer.status, status >= 400, status != 404, !operation.bestEffort {
                    failures.append("\(answer.name): succeeded")
                }
            } catch let error as RegistryError {
                outcome = error.description
                // A Bearer challenge whose realm is unreachable is a token-service failure instead.
                if answer.status == 401, answer.name != "401 Bearer challenge", !outcome.contains("docker login \(registry.address)") {
                    failures.append("\(answer.name): 401 without the login advice: \(outcome)")
                }
                if answer.status == 403, !outcome.contains("403") {
                    failures.append("\(answer.name): 403 not reported as such: \(outcome)")
                }
            } catch {
                outcome = "untyped \(type(of: error)): \(error)"
                failures.append("\(answer.name): \(outcome)")
            }
            if !registry.log.contains(where: targets) && !registry.state.withLock({ $0.tokenRequests.contains(where: targets) }) {
                failures.append("\(answer.name): the request under test was never made (\(outcome))")
            }
            await registry.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
        #expect(failures.isEmpty, "\(operation.name):\n\(failures.joined(separator: "\n"))")
    }
}
