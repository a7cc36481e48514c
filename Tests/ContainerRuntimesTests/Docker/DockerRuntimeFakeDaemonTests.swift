import Foundation
import Testing

@testable import ContainerRuntimes
@testable import OCIDistribution

/// DockerRuntime against an in-process fake daemon: request shapes and fault handling.
@Suite("DockerRuntime against a fake daemon")
struct DockerRuntimeFakeDaemonTests {
    private func withDaemon(
        apiVersion: String = "1.41",
        credentials: (any CredentialSource)? = nil,
        _ handler: @escaping @Sendable (FakeDockerDaemon.Request) -> FakeDockerDaemon.Response,
        _ body: (DockerRuntime, FakeDockerDaemon) async throws -> Void
    ) async throws {
        let daemon = try FakeDockerDaemon(apiVersion: apiVersion, handler: handler)
        try await daemon.start()
        do {
            try await body(DockerRuntime(endpoint: .unix(path: daemon.socketPath), credentials: credentials), daemon)
        } catch {
            await daemon.stop()
            throw error
        }
        await daemon.stop()
    }

    @Test func negotiatesDownToTheDaemonsVersionAndUsesItForEveryCall() async throws {
        try await withDaemon({ request in
            request.path == "/v1.41/images/127.0.0.1:5000/app:1/json"
                ? .json(
                    200,
                    #"{"Id":"sha256:abc","RepoTags":["127.0.0.1:5000/app:1"],"RepoDigests":[],"Created":"2026-01-02T03:04:05.123456789Z","Config":{"Labels":null}}"#
                )
                : .json(404, #"{"message":"page not found"}"#)
        }) { runtime, daemon in
            let version = try await runtime.version()
            #expect(version.apiVersion == "1.41")
            #expect(version.engineVersion == "20.10.24+fake")
            let image = try await runtime.inspectImage(ImageReference(parsing: "127.0.0.1:5000/app:1"))
            #expect(image.id == "sha256:abc")
            #expect(image.labels.isEmpty)
            let created = try #require(image.created)
            #expect(abs(created.timeIntervalSince1970 - 1_767_323_045.123_456_789) < 0.000_01)
            #expect(daemon.requests.map(\.path) == ["/version", "/v1.41/images/127.0.0.1:5000/app:1/json"])
        }
    }

    @Test func newerDaemonsGetTheClientMaximum() async throws {
        try await withDaemon(apiVersion: "1.47", { _ in .json(200, "OK") }) { runtime, _ in
            let negotiated = try await runtime.negotiatedAPIVersion()
            #expect(negotiated == .clientMaximum)
        }
    }

    @Test func tooOldDaemonIsRefusedWithAnUpgradeHint() async throws {
        try await withDaemon(apiVersion: "1.30", { _ in .json(200, "{}") }) { runtime, _ in
            let error = await #expect(throws: RuntimeError.self) { try await runtime.version() }
            guard case .apiVersionUnsupported(_, serverVersion: "1.30", minimum: "1.40") = error else {
                Issue.record("got \(String(describing: error))"); return
            }
            #expect(error?.description.contains("upgrade Docker") == true)
        }
    }

    @Test func pullStreamsEventsThenThrowsOnErrorDetailDespiteStatus200() async throws {
        let lines = [
            #"{"status":"Pulling from fixtures/private","id":"1"}"# + "\n",
            #"{"status":"Downloading","progressDetail":{"current":10,"total":100},"id":"aaaa"}"# + "\n",
            #"{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}"# + "\n",
        ]
        let credentials = StaticCredentials(.basic(username: "ci", password: "s3cret"), registry: "127.0.0.1:5000")
        try await withDaemon(credentials: credentials, { _ in FakeDockerDaemon.Response(200, chunks: lines) }) { runtime, daemon in
            let reference = try ImageReference(parsing: "127.0.0.1:5000/fixtures/private:1")
            var events: [PullEvent] = []
            let error = await #expect(throws: RuntimeError.self) {
                for try await event in runtime.pullImage(reference) { events.append(event) }
            }
            #expect(error == .pullFailed(image: "127.0.0.1:5000/fixtures/private:1", message: "unauthorized: authentication required"))
            #expect(
                events == [
                    PullEvent(layer: "1", status: "Pulling from fixtures/private"),
                    PullEvent(layer: "aaaa", status: "Downloading", current: 10, total: 100),
                ])
            let pull = try #require(daemon.requests.last)
            #expect(pull.method == "POST")
            #expect(pull.path == "/v1.41/images/create")
            // The engine's own platform (its /version says linux/amd64) is asked for explicitly.
            #expect(pull.query == ["fromImage": "127.0.0.1:5000/fixtures/private", "tag": "1", "platform": "linux/amd64"])
            let header = try #require(pull.headers["x-registry-auth"])
            #expect(header == RegistryAuth.basic(username: "ci", password: "s3cret", serverAddress: "127.0.0.1:5000").dockerHeaderValue)
        }
    }

    @Test func pullByDigestSendsTheDigestAsTagAndNoAuthWithoutCredentials() async throws {
        try await withDaemon({ _ in .json(200, #"{"status":"Digest: sha256:x"}"# + "\n") }) { runtime, daemon in
            let digest = "sha256:" + String(repeating: "ab", count: 32)
            try await runtime.pull(ImageReference(parsing: "127.0.0.1:5000/app@\(digest)"))
            let pull = try #require(daemon.requests.last)
            #expect(pull.query == ["fromImage": "127.0.0.1:5000/app", "tag": digest, "platform": "linux/amd64"])
            #expect(pull.headers["x-registry-auth"] == nil)
        }
    }

    @Test func pullRejectedWithNon200NamesTheImage() async throws {
        try await withDaemon({ _ in .json(404, #"{"message":"manifest for 127.0.0.1:5000/nope:1 not found: manifest unknown"}"#) }) { runtime, _ in
            let error = await #expect(throws: RuntimeError.self) {
                try await runtime.pull(ImageReference(parsing: "127.0.0.1:5000/nope:1"))
            }
            #expect(error == .pullFailed(image: "127.0.0.1:5000/nope:1", message: "manifest for 127.0.0.1:5000/nope:1 not found: manifest unknown"))
        }
    }

    @Test func createSendsTheSpecAndMaps409ToAConflictNamingTheContainer() async throws {
        try await withDaemon({ request in
            request.query["name"] == "taken"
                ? .json(409, #"{"message":"Conflict. The container name \"/taken\" is already in use"}"#)
                : .json(201, #"{"Id":"c0ffee","Warnings":[]}"#)
        }) { runtime, daemon in
            let image = try ImageReference(parsing: "127.0.0.1:5000/app:1")
            let spec = ContainerSpec(
                name: "web", image: image, labels: ["a": "1"], environment: ["B": "2", "A": "1"],
                mounts: [.init(source: "/srv", target: "/data", readOnly: true)], command: ["sleep", "300"], network: .none
            )
            #expect(try await runtime.createContainer(spec) == "c0ffee")
            let create = try #require(daemon.requests.last)
            #expect(create.path == "/v1.41/containers/create")
            #expect(create.query == ["name": "web"])
            let body = try #require(try JSONSerialization.jsonObject(with: create.body) as? [String: Any])
            #expect(body["Image"] as? String == "127.0.0.1:5000/app:1")
            #expect(body["Cmd"] as? [String] == ["sleep", "300"])
            #expect(body["Env"] as? [String] == ["A=1", "B=2"])
            #expect(body["Labels"] as? [String: String] == ["a": "1"])
            let hostConfig = try #require(body["HostConfig"] as? [String: Any])
            #expect(hostConfig["NetworkMode"] as? String == "none")
            #expect(hostConfig["Binds"] as? [String] == ["/srv:/data:ro"])

            var taken = spec
            taken.name = "taken"
            let error = await #expect(throws: RuntimeError.self) { try await runtime.createContainer(taken) }
            guard case let .containerConflict(container, detail) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(container == "taken")
            #expect(detail.contains("already in use"))
        }
    }

    @Test func containerCallsMapStatuses() async throws {
        try await withDaemon({ request in
            switch (request.method, request.path) {
            case ("POST", "/v1.41/containers/ghost/start"): .json(404, #"{"message":"No such container: ghost"}"#)
            case ("POST", "/v1.41/containers/web/start"): FakeDockerDaemon.Response(304)
            case ("POST", "/v1.41/containers/web/stop"): FakeDockerDaemon.Response(204)
            case ("DELETE", "/v1.41/containers/web"):
                request.query["force"] == "true"
                    ? FakeDockerDaemon.Response(204)
                    : .json(409, #"{"message":"You cannot remove a running container"}"#)
            default: .json(500, #"{"message":"unexpected"}"#)
            }
        }) { runtime, daemon in
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.startContainer("ghost") }
            try await runtime.startContainer("web") // 304: already running is fine
            try await runtime.stopContainer("web", timeout: .seconds(3))
            #expect(daemon.requests.last?.query == ["t": "3"])
            let error = await #expect(throws: RuntimeError.self) { try await runtime.removeContainer("web", force: false) }
            guard case .containerConflict(container: "web", _) = error else { Issue.record("got \(String(describing: error))"); return }
            try await runtime.removeContainer("web", force: true)
        }
    }

    @Test func listFiltersByLabelOnTheServerSide() async throws {
        try await withDaemon({ _ in
            .json(
                200,
                #"[{"Id":"abc","Names":["/web"],"Image":"127.0.0.1:5000/app:1","State":"running","Status":"Up 2 seconds","Labels":{"a":"1","b":"x/y"},"Created":1767323045}]"#
            )
        }) { runtime, daemon in
            let containers = try await runtime.listContainers(labels: ["b": "x/y", "a": "1"])
            #expect(
                containers == [
                    RuntimeContainer(
                        id: "abc", name: "web", image: "127.0.0.1:5000/app:1", state: .running, status: "Up 2 seconds",
                        labels: ["a": "1", "b": "x/y"], created: Date(timeIntervalSince1970: 1_767_323_045)
                    )
                ])
            let list = try #require(daemon.requests.last)
            #expect(list.query["all"] == "true")
            #expect(list.query["filters"] == #"{"label":["a=1","b=x/y"]}"#)
        }
    }

    @Test func missingImageIsNotFoundAndExistsIsFalse() async throws {
        try await withDaemon({ _ in .json(404, #"{"message":"No such image: 127.0.0.1:5000/nope:1"}"#) }) { runtime, _ in
            let reference = try ImageReference(parsing: "127.0.0.1:5000/nope:1")
            #expect(try await !runtime.imageExists(reference))
            await #expect(throws: RuntimeError.imageNotFound(image: "127.0.0.1:5000/nope:1", detail: "No such image: 127.0.0.1:5000/nope:1")) {
                try await runtime.inspectImage(reference)
            }
        }
    }

    /// More engine calls at once than AsyncHTTPClient's default pool (8 connections, and a
    /// wait for one bounded by the 5 s connect timeout), each answered only after 6 s, as a
    /// busy dockerd does: all succeed, none reported as "Docker is not running".
    @Test(.timeLimit(.minutes(1)))
    func manySlowCallsAtOnceAllSucceed() async throws {
        try await withDaemon({ request in
            var response = FakeDockerDaemon.Response(200, "OK")
            response.delay = .seconds(6)
            return response
        }) { runtime, daemon in
            let failures = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            try await runtime.ping()
                            return nil
                        } catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: []) { if let failure = $1 { $0.append(failure) } }
            }
            #expect(failures.isEmpty, "\(failures.count) of 20 failed, e.g. \(failures.first ?? "")")
            #expect(daemon.requests.filter { $0.path == "/_ping" }.count == 20)
        }
    }
}

@Suite("DockerRuntime without a daemon")
struct DockerRuntimeUnreachableTests {
    @Test func badSocketPathSaysDockerIsNotRunning() async throws {
        let path = "/tmp/oubliette-no-docker-\(UUID().uuidString.prefix(8)).sock"
        let runtime = DockerRuntime(endpoint: .unix(path: path))
        let error = await #expect(throws: RuntimeError.self) { try await runtime.ping() }
        guard case let .dockerUnreachable(endpoint, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(endpoint == "unix://\(path)")
        let text = error?.description ?? ""
        #expect(text.hasPrefix("Docker is not running at unix://\(path)"))
        #expect(text.contains("start it or set DOCKER_HOST"))
    }

    @Test func pullAgainstABadSocketFailsThroughTheStream() async throws {
        let runtime = DockerRuntime(endpoint: .unix(path: "/tmp/oubliette-no-docker.sock"))
        let error = await #expect(throws: RuntimeError.self) {
            try await runtime.pull(ImageReference(parsing: "busybox"))
        }
        guard case .dockerUnreachable = error else { Issue.record("got \(String(describing: error))"); return }
    }
}
