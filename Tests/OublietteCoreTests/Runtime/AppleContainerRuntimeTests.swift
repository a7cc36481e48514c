import Foundation
import Testing
@testable import OublietteCore
@testable import OCIDistribution

@Suite("AppleContainerRuntime against the container stand-in")
struct AppleContainerRuntimeTests {
    let busybox: ImageReference

    init() throws {
        busybox = try ImageReference(parsing: "127.0.0.1:5000/fixtures/busybox:1")
    }

    private func withStandIn(_ body: (ContainerStandIn) async throws -> Void) async throws {
        let standIn = try ContainerStandIn()
        defer { standIn.remove() }
        try await body(standIn)
    }

    @Test func pingRunsSystemStatus() async throws {
        try await withStandIn { standIn in
            try standIn.reply("system-status", stdout: "apiserver is running\n")
            try await standIn.runtime.ping()
            #expect(try standIn.calls() == [["system", "status"]])
        }
    }

    @Test func pingWhenServicesAreDownSaysHowToStartThem() async throws {
        try await withStandIn { standIn in
            try standIn.reply("system-status", stderr: "apiserver is not running\n", exit: 1)
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.ping() }
            #expect(error == .appleServicesNotRunning(detail: "apiserver is not running"))
            #expect(error?.description.contains("container system start") == true)
        }
    }

    @Test func versionParsesTheCLIBanner() async throws {
        try await withStandIn { standIn in
            try standIn.reply("version", stdout: "container CLI version 0.5.0 (build: release, commit: 1a2b3c4)\n")
            let version = try await standIn.runtime.version()
            #expect(version == RuntimeVersion(kind: .apple, engineVersion: "0.5.0", os: "linux"))
            #expect(try standIn.calls() == [["--version"]])
        }
    }

    @Test func imageExistsMatchesNormalizedReferences() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-list", stdout: AppleCLIFixtures.imageList)
            let runtime = standIn.runtime
            #expect(try await runtime.imageExists(busybox))
            #expect(try await runtime.imageExists(ImageReference(parsing: "alpine:3.20")))
            #expect(try await !runtime.imageExists(ImageReference(parsing: "alpine:3.19")))
            #expect(try await !runtime.imageExists(ImageReference(parsing: "127.0.0.1:5000/fixtures/busybox:2")))
            #expect(try standIn.calls() == Array(repeating: ["image", "list", "--format", "json"], count: 4))
        }
    }

    @Test func inspectImageReadsDigestLabelsAndCreatedSkippingAttestations() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-inspect", stdout: AppleCLIFixtures.imageInspect)
            let image = try await standIn.runtime.inspectImage(busybox)
            #expect(try standIn.calls() == [["image", "inspect", "127.0.0.1:5000/fixtures/busybox:1"]])
            #expect(image.id == AppleCLIFixtures.busyboxDigest)
            #expect(image.repoTags == ["127.0.0.1:5000/fixtures/busybox:1"])
            #expect(image.repoDigest(for: busybox) == (try Digest(AppleCLIFixtures.busyboxDigest)))
            #expect(image.labels == ["org.example.fixture": "busybox", "org.opencontainers.image.version": "1"])
            let created = try #require(image.created)
            #expect(abs(created.timeIntervalSince1970 - 1_795_430_800.973) < 0.001)
        }
    }

    @Test func inspectMissingImageIsImageNotFound() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-inspect", stderr: "Error: notFound: \"Images: 127.0.0.1:5000/fixtures/busybox:1\"\n", exit: 1)
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.inspectImage(busybox) }
            guard case let .imageNotFound(image, _) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(image == "127.0.0.1:5000/fixtures/busybox:1")
        }
    }

    @Test func pullRunsImagePullWithoutProgressAndReportsStartAndEnd() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-pull", stdout: "")
            var events: [PullEvent] = []
            for try await event in standIn.runtime.pullImage(busybox) { events.append(event) }
            #expect(try standIn.calls() == [["image", "pull", "--progress", "none", "127.0.0.1:5000/fixtures/busybox:1"]])
            #expect(events.map(\.status) == ["Pulling 127.0.0.1:5000/fixtures/busybox:1", "Pulled 127.0.0.1:5000/fixtures/busybox:1"])
        }
    }

    @Test func failedPullNamesTheImage() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-pull", stderr: "Error: notFound: \"127.0.0.1:5000/fixtures/nope:1 not found\"\n", exit: 1)
            let missing = try ImageReference(parsing: "127.0.0.1:5000/fixtures/nope:1")
            let error = await #expect(throws: RuntimeError.self) {
                for try await _ in standIn.runtime.pullImage(missing) {}
            }
            guard case let .pullFailed(image, message) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(image == "127.0.0.1:5000/fixtures/nope:1")
            #expect(message.contains("not found"))
        }
    }

    @Test func tagPassesSourceAndTarget() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-tag")
            try await standIn.runtime.tagImage(busybox, as: ImageReference(parsing: "127.0.0.1:5000/fixtures/busybox:copy"))
            #expect(try standIn.calls() == [["image", "tag", "127.0.0.1:5000/fixtures/busybox:1", "127.0.0.1:5000/fixtures/busybox:copy"]])
        }
    }

    @Test func removeImageRunsImageDeleteAndMapsInUse() async throws {
        try await withStandIn { standIn in
            try standIn.reply("image-delete")
            try await standIn.runtime.removeImage(busybox, force: true)
            #expect(try standIn.calls() == [["image", "delete", "127.0.0.1:5000/fixtures/busybox:1"]])

            try standIn.reply("image-delete", stderr: "Error: image is in use by container web-1\n", exit: 1)
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.removeImage(busybox, force: false) }
            guard case .imageConflict(image: "127.0.0.1:5000/fixtures/busybox:1", _) = error else {
                Issue.record("got \(String(describing: error))"); return
            }
        }
    }

    @Test func createBuildsFlagsInStableOrderAndReturnsThePrintedID() async throws {
        try await withStandIn { standIn in
            try standIn.reply("create", stdout: "web-1\n")
            let spec = ContainerSpec(
                name: "web-1", image: busybox,
                labels: ["oubliette.slot": "web", "oubliette.managed": "true"],
                environment: ["PORT": "8080", "MODE": "test"],
                mounts: [.init(source: "/srv/data", target: "/data", readOnly: true), .init(source: "/tmp/x", target: "/x")],
                command: ["sleep", "300"]
            )
            let id = try await standIn.runtime.createContainer(spec)
            #expect(id == "web-1")
            #expect(try standIn.calls() == [[
                "create", "--name", "web-1",
                "--label", "oubliette.managed=true", "--label", "oubliette.slot=web",
                "--env", "MODE=test", "--env", "PORT=8080",
                "--mount", "type=bind,source=/srv/data,target=/data,readonly",
                "--mount", "type=bind,source=/tmp/x,target=/x",
                "127.0.0.1:5000/fixtures/busybox:1", "sleep", "300",
            ]])
        }
    }

    @Test func createWithNamedNetworkAndConflict() async throws {
        try await withStandIn { standIn in
            try standIn.reply("create", stderr: "Error: exists: \"container with id web-1 already exists\"\n", exit: 1)
            let spec = ContainerSpec(name: "web-1", image: busybox, network: .named("backend"))
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.createContainer(spec) }
            #expect(try standIn.calls() == [["create", "--name", "web-1", "--network", "backend", "127.0.0.1:5000/fixtures/busybox:1"]])
            guard case .containerConflict(container: "web-1", _) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(error?.description.contains("web-1") == true)
        }
    }

    @Test func createRejectsHostNetworkingWithoutRunningTheCLI() async throws {
        try await withStandIn { standIn in
            let spec = ContainerSpec(name: "web-1", image: busybox, network: .host)
            await #expect(throws: RuntimeError.unsupported(runtime: .apple, feature: "host networking")) {
                try await standIn.runtime.createContainer(spec)
            }
            let calls = try standIn.calls()
            #expect(calls.isEmpty)
        }
    }

    @Test func startStopAndDeleteBuildTheirArguments() async throws {
        try await withStandIn { standIn in
            try standIn.reply("start", stdout: "web-1\n")
            try standIn.reply("stop", stdout: "web-1\n")
            try standIn.reply("delete", stdout: "web-1\n")
            let runtime = standIn.runtime
            try await runtime.startContainer("web-1")
            try await runtime.stopContainer("web-1", timeout: .seconds(7))
            try await runtime.removeContainer("web-1", force: false)
            try await runtime.removeContainer("web-1", force: true)
            #expect(try standIn.calls() == [
                ["start", "web-1"],
                ["stop", "--time", "7", "web-1"],
                ["delete", "web-1"],
                ["delete", "--force", "web-1"],
            ])
        }
    }

    @Test func containerCommandsMapNotFound() async throws {
        try await withStandIn { standIn in
            try standIn.reply("start", stderr: "Error: notFound: \"container ghost not found\"\n", exit: 1)
            try standIn.reply("stop", stderr: "Error: notFound: \"container ghost not found\"\n", exit: 1)
            try standIn.reply("delete", stderr: "Error: notFound: \"container ghost not found\"\n", exit: 1)
            let runtime = standIn.runtime
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.startContainer("ghost") }
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.stopContainer("ghost", timeout: .seconds(1)) }
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.removeContainer("ghost", force: true) }
        }
    }

    @Test func listDecodesBothStatusShapesAndFiltersByLabel() async throws {
        try await withStandIn { standIn in
            try standIn.reply("list", stdout: AppleCLIFixtures.containerList)
            let runtime = standIn.runtime
            let all = try await runtime.listContainers(labels: [:])
            #expect(all.map(\.id) == ["web-1", "other"])
            #expect(all.map(\.state) == [.running, .exited])
            let managed = try await runtime.listContainers(labels: ["oubliette.managed": "true"])
            #expect(managed.count == 1)
            let web = try #require(managed.first)
            #expect(web.name == "web-1")
            #expect(web.image == "127.0.0.1:5000/fixtures/busybox:1")
            #expect(web.labels == ["oubliette.managed": "true", "oubliette.slot": "web"])
            #expect(web.created == Date(timeIntervalSinceReferenceDate: 785_500_000.5))
            #expect(try await runtime.listContainers(labels: ["oubliette.managed": "true", "oubliette.slot": "db"]).isEmpty)
            #expect(try standIn.calls() == Array(repeating: ["list", "--all", "--format", "json"], count: 3))
        }
    }

    @Test func inspectContainerAndMissingContainer() async throws {
        try await withStandIn { standIn in
            try standIn.reply("inspect", stdout: AppleCLIFixtures.containerInspect)
            let container = try await standIn.runtime.inspectContainer("web-1")
            #expect(container == RuntimeContainer(
                id: "web-1", name: "web-1", image: "127.0.0.1:5000/fixtures/busybox:1", state: .exited, status: "stopped",
                labels: ["oubliette.managed": "true"], created: Date(timeIntervalSinceReferenceDate: 785_500_000)
            ))
            try standIn.reply("inspect", stdout: "[]\n")
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await standIn.runtime.inspectContainer("ghost") }
            #expect(try standIn.calls() == [["inspect", "web-1"], ["inspect", "ghost"]])
        }
    }

    @Test func unreadableJSONIsAnInvalidResponse() async throws {
        try await withStandIn { standIn in
            try standIn.reply("list", stdout: "ID  IMAGE  OS\n")
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.listContainers(labels: [:]) }
            guard case .invalidResponse(operation: "listing containers", _) = error else { Issue.record("got \(String(describing: error))"); return }
        }
    }

    @Test func missingExecutableSaysHowToFixIt() async throws {
        let runtime = AppleContainerRuntime(executable: "/nonexistent/container")
        await #expect(throws: RuntimeError.executableNotFound("/nonexistent/container")) { try await runtime.ping() }
        #expect(RuntimeError.executableNotFound("container").description.contains("docker"))
    }
}
