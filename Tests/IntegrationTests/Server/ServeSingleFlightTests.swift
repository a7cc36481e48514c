import Foundation
import MCP
import OCIDistribution
import OublietteCore
import Testing

extension MCPServerIntegrationTests {
    /// One `serve` process is one object graph: project_create and container_refresh for the
    /// same missing image, twenty at once, cost the engine exactly one pull (counted by
    /// dockerd's own event stream, not by our code).
    @Test func concurrentCreatesAndRefreshesShareOneEnginePull() async throws {
        // The engine pulls through a proxy that holds every blob for 8 s, so the one pull
        // outlasts the time the twenty calls take to reach the image manager even when the
        // project store's serialized writes are slow (a 48 MiB layer alone pulled faster than
        // that on two loaded cores, and a refresh arriving after the pull pulls afresh).
        let proxy = try await RecordingProxy.start(upstream: bed.registry) { method, uri, _ in
            method == "GET" && uri.contains("/blobs/sha256:") ? .forwardAfter(.seconds(8), uri) : .forward(uri)
        }
        let setup = try setUp("flight", registry: proxy.address)
        _ = try await TestImages.push(
            setup.image.replacingOccurrences(of: proxy.address, with: bed.registry), version: "v1.0.12", marker: "flight", bed: bed)
        let server = try await connect(setup)
        var projects: [String] = []
        for index in 0..<10 {
            let created = try await server.object("project_create", ["name": .string("existing-\(index)"), "type": "custom"])
            projects.append(try #require(created["id"] as? String))
        }
        // The image goes missing from the engine (its containers keep running).
        let engine = try docker()
        try await engine.removeImage(try ImageReference(parsing: setup.image), force: true)
        #expect(try await engine.imageExists(try ImageReference(parsing: setup.image)) == false)

        let since = Int(Date().timeIntervalSince1970) - 1
        let results = try await withThrowingTaskGroup(of: (String, Bool, String).self) { group in
            for index in 0..<10 {
                group.addTask {
                    let (text, isError) = try await server.call("project_create", ["name": .string("new-\(index)"), "type": "custom"])
                    return ("project_create", isError, text)
                }
                let project = projects[index]
                group.addTask {
                    let (text, isError) = try await server.call("container_refresh", ["project_id": .string(project)])
                    return ("container_refresh", isError, text)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 20)
        for (tool, isError, text) in results { #expect(!isError, "\(tool) failed: \(text)") }

        let pulls = try await enginePullEvents(of: setup.image, since: since)
        // A refresh keeps `previous` inside the flight it starts and joins one already under
        // way at once (ImageManager.pullLatest's `around`), so no refresh can pull a second time.
        #expect(pulls == 1, "20 concurrent calls for one missing image must cost one engine pull, dockerd saw \(pulls)")

        for project in try await server.object("project_list")["projects"] as? [[String: Any]] ?? [] {
            if let id = project["id"] as? String { _ = try await server.call("project_delete", ["project_id": .string(id)]) }
        }
        #expect(await server.close() == 0)
        #expect(proxy.log.contains { $0.method == "GET" && $0.path.contains("/blobs/sha256:") }, "the engine pulled through the slow proxy")
        await proxy.shutdown()
    }

    /// `pull` events dockerd recorded for `image` since `since` (its /events API, bounded by `until`).
    func enginePullEvents(of image: String, since: Int) async throws -> Int {
        let socket = bed.dockerHost.replacingOccurrences(of: "unix://", with: "")
        let filters = #"{"type":["image"],"event":["pull"]}"#
        let until = Int(Date().timeIntervalSince1970) + 1
        let query = "since=\(since)&until=\(until)&filters=\(filters.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        let result = try await ToolRunner.run(
            "curl",
            [
                "-sS", "--max-time", "10", "--unix-socket", socket,
                "http://localhost/v1.41/events?\(query)",
            ])
        return result.stdout.split(separator: "\n").filter { line in
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return false }
            return (event["id"] as? String)?.hasPrefix(image.split(separator: ":").dropLast().joined(separator: ":")) == true
        }.count
    }
}
