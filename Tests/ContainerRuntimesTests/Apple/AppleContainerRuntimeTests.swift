import Foundation
import SystemSupport
import TestSupport
import Testing

@testable import ContainerRuntimes
@testable import OCIDistribution

@Suite("AppleContainerRuntime against the container stand-in")
struct AppleContainerRuntimeTests {
    let busybox: ImageReference
    let image = AppleCLIFixtures.busybox

    init() throws {
        busybox = try ImageReference(parsing: AppleCLIFixtures.busybox)
    }

    private func withStandIn(_ set: ContainerStandIn.FixtureSet? = .current, _ body: (ContainerStandIn) async throws -> Void) async throws {
        let standIn = try ContainerStandIn(set: set)
        defer { standIn.remove() }
        try await body(standIn)
    }

    private func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apple-mounts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    // MARK: Engine and version

    @Test func pingRunsSystemStatus() async throws {
        try await withStandIn { standIn throws in
            try await standIn.runtime.ping()
            #expect(try standIn.calls() == [["system", "status"]])
        }
    }

    @Test func pingWhenServicesAreDownSaysHowToStartThem() async throws {
        try await withStandIn { standIn throws in
            // `SystemStatus` prints this on stdout and exits 1.
            try standIn.reply("system-status", stdout: "apiserver is not running\n", exit: 1)
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.ping() }
            #expect(error == .appleServicesNotRunning(detail: "apiserver is not running"))
            #expect(error?.description.contains("container system start") == true)
        }
    }

    @Test(arguments: [(ContainerStandIn.FixtureSet.current, "1.2.2"), (.legacy, "0.12.3")])
    func versionParsesTheCLIBanner(set: ContainerStandIn.FixtureSet, expected: String) async throws {
        try await withStandIn(set) { standIn throws in
            let version = try await standIn.runtime.version()
            #expect(version == RuntimeVersion(kind: .apple, engineVersion: expected, os: "linux"))
            #expect(try standIn.calls() == [["--version"]])
        }
    }

    @Test func versionIsReadOnceForAllOperations() async throws {
        try await withStandIn { standIn throws in
            let runtime = standIn.runtime
            _ = try await runtime.imageExists(busybox)
            _ = try await runtime.imageExists(busybox)
            _ = try await runtime.listContainers(labels: [:])
            #expect(
                try standIn.calls() == [
                    ["--version"], ["image", "list", "--format", "json"], ["image", "list", "--format", "json"], ["list", "--all", "--format", "json"],
                ])
        }
    }

    @Test func aCLIOlderThanTheOldestSupportedIsRefusedSayingWhichIsNeeded() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("version", stdout: "container CLI version 0.11.0 (build: release, commit: 1a2b3c4)\n")
            let runtime = standIn.runtime
            let error = await #expect(throws: RuntimeError.self) { try await runtime.imageExists(self.busybox) }
            #expect(error == .appleCLIUnsupported(version: "0.11.0", minimum: "0.12.0"))
            #expect(error?.description.contains("0.11.0") == true)
            #expect(error?.description.contains("0.12.0 or newer") == true)
            await #expect(throws: RuntimeError.appleCLIUnsupported(version: "0.11.0", minimum: "0.12.0")) {
                for try await _ in runtime.pullImage(self.busybox) {}
            }
            // Nothing but the version was run, and only once.
            #expect(try standIn.calls() == [["--version"]])
            // The version itself is still reported.
            #expect(try await runtime.version().engineVersion == "0.11.0")
        }
    }

    // MARK: Images

    @Test(arguments: ContainerStandIn.FixtureSet.allCases)
    func imageExistsMatchesNormalizedReferences(set: ContainerStandIn.FixtureSet) async throws {
        try await withStandIn(set) { standIn throws in
            let runtime = standIn.runtime
            #expect(try await runtime.imageExists(busybox))
            #expect(try await runtime.imageExists(ImageReference(parsing: "alpine:3.20")))
            #expect(try await !runtime.imageExists(ImageReference(parsing: "alpine:3.19")))
            #expect(try await !runtime.imageExists(ImageReference(parsing: "127.0.0.1:5000/fixtures/busybox:2")))
            #expect(try standIn.calls() == [["--version"]] + Array(repeating: ["image", "list", "--format", "json"], count: 4))
        }
    }

    @Test(arguments: ContainerStandIn.FixtureSet.allCases)
    func inspectImageReadsDigestLabelsAndCreatedFromTheArm64Variant(set: ContainerStandIn.FixtureSet) async throws {
        try await withStandIn(set) { standIn throws in
            let found = try await standIn.runtime.inspectImage(busybox)
            #expect(try standIn.calls() == [["--version"], ["image", "inspect", image]])
            #expect(found.id == AppleCLIFixtures.busyboxDigest)
            #expect(found.repoTags == [image])
            #expect(found.repoDigest(for: busybox) == (try Digest(AppleCLIFixtures.busyboxDigest)))
            #expect(found.labels == ["org.example.fixture": "busybox", "org.opencontainers.image.version": "1"])
            let created = try #require(found.created)
            #expect(abs(created.timeIntervalSince1970 - 1_795_430_800.973) < 0.001)
        }
    }

    @Test func inspectPrefersTheArm64VariantOverOthers() async throws {
        try await withStandIn { standIn throws in
            // docker.io/library/alpine:3.20 in the 1.x list: amd64 listed first, arm64 second.
            let list = try ContainerStandIn.FixtureSet.current.contents(of: "image-list.stdout")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [Any])
            let alpine = try JSONSerialization.data(withJSONObject: [entries[1]])
            try standIn.reply("image-inspect", stdout: String(decoding: alpine, as: UTF8.self))
            let found = try await standIn.runtime.inspectImage(ImageReference(parsing: "alpine:3.20"))
            #expect(found.id == "sha256:1111111111111111111111111111111111111111111111111111111111111111")
            // arm64's config says 11:06:27, amd64's 11:06:21.
            #expect(found.created == RFC3339.date("2026-10-08T11:06:27Z"))
        }
    }

    @Test func olderShapesStillDecodeWhenTheVersionSaysCurrent() async throws {
        try await withStandIn(.current) { standIn throws in
            try standIn.reply("image-list", stdout: try ContainerStandIn.FixtureSet.legacy.contents(of: "image-list.stdout"))
            try standIn.reply("image-inspect", stdout: try ContainerStandIn.FixtureSet.legacy.contents(of: "image-inspect.stdout"))
            let runtime = standIn.runtime
            #expect(try await runtime.imageExists(busybox))
            #expect(try await runtime.inspectImage(busybox).id == AppleCLIFixtures.busyboxDigest)
        }
    }

    @Test func currentShapesDecodeWhenTheVersionSaysLegacy() async throws {
        try await withStandIn(.legacy) { standIn throws in
            try standIn.reply("image-list", stdout: try ContainerStandIn.FixtureSet.current.contents(of: "image-list.stdout"))
            #expect(try await standIn.runtime.imageExists(busybox))
        }
    }

    @Test func inspectMissingImageIsImageNotFound() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("image-inspect", stderr: "Error: image not found: \(image)\n", exit: 1)
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.inspectImage(busybox) }
            #expect(error == .imageNotFound(image: image, detail: "Error: image not found: \(image)"))
        }
    }

    // MARK: Pull

    @Test func pullAsksForLinuxArm64AndStreamsPlainProgress() async throws {
        try await withStandIn { standIn throws in
            var events: [PullEvent] = []
            for try await event in standIn.runtime(platformLister: FixedPlatformLister(platforms: ["linux/amd64", "linux/arm64/v8"])).pullImage(busybox) {
                events.append(event)
                // The stand-in holds the rest of its output back until this exists: only a
                // streamed line can get us here.
                if event.current != nil { standIn.releaseStream() }
            }
            #expect(try standIn.calls() == [["--version"], ["image", "pull", "--platform", "linux/arm64", "--progress", "plain", image]])
            #expect(
                events == [
                    PullEvent(status: "Pulling \(image) (linux/arm64)"),
                    PullEvent(layer: "1/2", status: "Fetching image"),
                    PullEvent(layer: "1/2", status: "Fetching image", current: 64 << 10, total: 1_992_294),
                    PullEvent(layer: "1/2", status: "Fetching image", current: 1_363_149, total: 1_992_294),
                    PullEvent(layer: "2/2", status: "Unpacking image"),
                    PullEvent(layer: "2/2", status: "Unpacking image"),
                    PullEvent(status: "Pulled \(image)"),
                ])
        }
    }

    @Test func legacyPullStreamsProgressToo() async throws {
        try await withStandIn(.legacy) { standIn throws in
            var events: [PullEvent] = []
            for try await event in standIn.runtime.pullImage(busybox) { events.append(event) }
            #expect(try standIn.calls() == [["--version"], ["image", "pull", "--platform", "linux/arm64", "--progress", "plain", image]])
            #expect(events.map(\.status) == ["Pulling \(image) (linux/arm64)", "Fetching image", "Unpacking image", "Unpacking image", "Pulled \(image)"])
            #expect(events[1].current == 240 << 10)
        }
    }

    @Test func imageWithoutArm64IsRefusedBeforePulling() async throws {
        try await withStandIn { standIn throws in
            let runtime = standIn.runtime(platformLister: FixedPlatformLister(platforms: ["linux/amd64"]))
            let error = await #expect(throws: RuntimeError.self) {
                for try await _ in runtime.pullImage(self.busybox) {}
            }
            #expect(error == .platformUnavailable(image: image, wanted: "linux/arm64", available: ["linux/amd64"]))
            let text = error?.description ?? ""
            #expect(text.contains(image) && text.contains("linux/amd64"))
            #expect(text.contains(#""image_source": "build""#))
            #expect(text.contains("OUBLIETTE_APPLE_ALLOW_AMD64=1"))
            #expect(try standIn.calls() == [["--version"]])
        }
    }

    @Test func amd64OnlyImageIsPulledAndCreatedForRosettaWhenAllowed() async throws {
        try await withStandIn { standIn throws in
            let runtime = standIn.runtime(platformLister: FixedPlatformLister(platforms: ["linux/amd64"]), allowsAMD64: true)
            for try await _ in runtime.pullImage(busybox) { standIn.releaseStream() }
            try standIn.reply("image-inspect", stdout: AppleCLIFixtures.amd64OnlyInspect)
            _ = try await runtime.createContainer(ContainerSpec(name: "web-1", image: busybox))
            #expect(
                try standIn.calls() == [
                    ["--version"],
                    ["image", "pull", "--platform", "linux/amd64", "--progress", "plain", image],
                    ["image", "inspect", image],
                    ["create", "--arch", "amd64", "--name", "web-1", image],
                ])
        }
    }

    @Test func amd64OnlyLocalImageIsRefusedAtCreateUnlessAllowed() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("image-inspect", stdout: AppleCLIFixtures.amd64OnlyInspect)
            await #expect(throws: RuntimeError.platformUnavailable(image: image, wanted: "linux/arm64", available: ["linux/amd64"])) {
                _ = try await standIn.runtime.createContainer(ContainerSpec(name: "web-1", image: self.busybox))
            }
            #expect(try standIn.calls() == [["--version"], ["image", "inspect", image]])
        }
    }

    @Test func unreachableRegistryLeavesThePlatformToTheCLI() async throws {
        try await withStandIn { standIn throws in
            for try await _ in standIn.runtime(platformLister: FixedPlatformLister(platforms: nil)).pullImage(busybox) { standIn.releaseStream() }
            #expect(try standIn.calls().last == ["image", "pull", "--platform", "linux/arm64", "--progress", "plain", image])
        }
    }

    @Test func failedPullNamesTheImageAndKeepsOnlyTheErrorLine() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("image-pull", stderr: "[0/2] [0s]\nError: failed to fetch 127.0.0.1:5000/fixtures/nope:1: 404 Not Found\n", exit: 1)
            let missing = try ImageReference(parsing: "127.0.0.1:5000/fixtures/nope:1")
            let error = await #expect(throws: RuntimeError.self) {
                for try await _ in standIn.runtime.pullImage(missing) {}
            }
            #expect(
                error == .pullFailed(image: "127.0.0.1:5000/fixtures/nope:1", message: "Error: failed to fetch 127.0.0.1:5000/fixtures/nope:1: 404 Not Found"))
        }
    }

    @Test func platformMissingAfterFetchIsPlatformUnavailable() async throws {
        try await withStandIn { standIn throws in
            // containerization's `Image.manifest(for:)` when the index has no such platform.
            try standIn.reply("image-pull", stderr: "[1/2] Fetching image [0s]\nError: platform linux/arm64/v8\n", exit: 1)
            await #expect(throws: RuntimeError.platformUnavailable(image: image, wanted: "linux/arm64", available: [])) {
                for try await _ in standIn.runtime.pullImage(self.busybox) {}
            }
        }
    }

    // MARK: Error texts

    static let servicesDown =
        "Error: XPC connection error: Connection invalid\nEnsure container system service has been started with `container system start`.\n"

    @Test func servicesDownIsRecognisedBeforeAnythingElse() async throws {
        try await withStandIn { standIn throws in
            // The wrapped error may itself say "not found"; services down still wins.
            let text =
                "Error: image with reference \(image) not found (cause: XPC connection error)\nEnsure container system service has been started with `container system start`.\n"
            for key in ["image-tag", "image-delete", "image-inspect", "create", "start", "stop", "delete", "list", "inspect"] {
                try standIn.reply(key, stderr: text, exit: 1)
            }
            let runtime = standIn.runtime
            let operations: [(String, () async throws -> Void)] = [
                ("tag", { try await runtime.tagImage(self.busybox, as: self.busybox) }),
                ("delete image", { try await runtime.removeImage(self.busybox, force: false) }),
                ("inspect image", { _ = try await runtime.inspectImage(self.busybox) }),
                ("create", { _ = try await runtime.createContainer(ContainerSpec(name: "web-1", image: self.busybox)) }),
                ("start", { try await runtime.startContainer("web-1") }),
                ("stop", { try await runtime.stopContainer("web-1", timeout: .seconds(1)) }),
                ("delete", { try await runtime.removeContainer("web-1", force: true) }),
                ("list", { _ = try await runtime.listContainers(labels: [:]) }),
                ("inspect", { _ = try await runtime.inspectContainer("web-1") }),
            ]
            for (name, operation) in operations {
                do {
                    try await operation()
                    Issue.record("\(name) succeeded")
                } catch let error as RuntimeError {
                    guard case .appleServicesNotRunning = error else { Issue.record("\(name): got \(error)"); continue }
                } catch {
                    Issue.record("\(name): got \(error)")
                }
            }
        }
    }

    @Test func pullWhileServicesAreDownSaysHowToStartThem() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("image-pull", stderr: Self.servicesDown, exit: 1)
            let error = await #expect(throws: RuntimeError.self) {
                for try await _ in standIn.runtime.pullImage(self.busybox) {}
            }
            guard case .appleServicesNotRunning = error else { Issue.record("got \(String(describing: error))"); return }
        }
    }

    @Test func tagOfMissingImageIsImageNotFound() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("image-tag", stderr: "Error: image with reference \(image)\n", exit: 1)
            let target = try ImageReference(parsing: "127.0.0.1:5000/fixtures/busybox:copy")
            await #expect(throws: RuntimeError.imageNotFound(image: image, detail: "Error: image with reference \(image)")) {
                try await standIn.runtime.tagImage(self.busybox, as: target)
            }
        }
    }

    @Test func tagPassesSourceAndTarget() async throws {
        try await withStandIn { standIn throws in
            try await standIn.runtime.tagImage(busybox, as: ImageReference(parsing: "127.0.0.1:5000/fixtures/busybox:copy"))
            #expect(try standIn.calls() == [["--version"], ["image", "tag", image, "127.0.0.1:5000/fixtures/busybox:copy"]])
        }
    }

    // MARK: What was verified is what runs (argument vectors; Apple silicon is not here)

    /// ImageManager pulls the digest the signature check verified and names it afterwards:
    /// `container image pull` takes `name@sha256:…` (apple/container `ImagePull` →
    /// `ClientImage.pull`, `Reference.parse` accepts a digest) and `image tag` resolves the
    /// source by reference (`ClientImage.get(reference:)`).
    @Test func aPinnedPullAsksForNameAtDigestAndTheTagNamesThatReference() async throws {
        try await withStandIn { standIn throws in
            let pinned = busybox.withDigest(try Digest(AppleCLIFixtures.busyboxDigest))
            #expect(pinned.description == "127.0.0.1:5000/fixtures/busybox@\(AppleCLIFixtures.busyboxDigest)")
            let runtime = standIn.runtime
            for try await _ in runtime.pullImage(pinned) { standIn.releaseStream() }
            try await runtime.tagImage(pinned, as: busybox)
            let calls = try standIn.calls()
            #expect(
                calls == [
                    ["--version"],
                    ["image", "pull", "--platform", "linux/arm64", "--progress", "plain", pinned.description],
                    ["image", "tag", pinned.description, image],
                ], "\(calls)")
        }
    }

    /// With the checked image's ID the container is created from `name@digest`, the entry the
    /// pinned pull made, not from `name:tag` (which someone may have re-tagged since).
    @Test func createWithTheCheckedImageIDUsesNameAtDigest() async throws {
        try await withStandIn { standIn throws in
            let pinned = "127.0.0.1:5000/fixtures/busybox@\(AppleCLIFixtures.busyboxDigest)"
            let spec = ContainerSpec(name: "web-1", image: busybox, imageID: AppleCLIFixtures.busyboxDigest, command: ["sleep", "1"])
            _ = try await standIn.runtime.createContainer(spec)
            #expect(try standIn.calls() == [["--version"], ["image", "inspect", pinned], ["create", "--name", "web-1", pinned, "sleep", "1"]])
        }
    }

    @Test func createIsRefusedWhenTheCheckedImageIsNoLongerThere() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("image-inspect", stderr: "Error: image not found: x\n", exit: 1)
            let checked = "sha256:" + String(repeating: "7", count: 64)
            let error = await #expect(throws: RuntimeError.self) {
                _ = try await standIn.runtime.createContainer(ContainerSpec(name: "web-1", image: self.busybox, imageID: checked))
            }
            guard case let .imageNotFound(image, detail) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(image == "127.0.0.1:5000/fixtures/busybox@\(checked)")
            #expect(detail.contains("pull it again"))
            #expect(!(try standIn.calls()).contains { $0.first == "create" }, "nothing created from whatever the name holds now")
        }
    }

    @Test func deleteOfMissingImageIsImageNotFound() async throws {
        try await withStandIn { standIn throws in
            try await standIn.runtime.removeImage(busybox, force: true)
            #expect(try standIn.calls() == [["--version"], ["image", "delete", image]])
            let text = #"Error: failed to delete one or more images: ["\#(image)"]"#
            try standIn.reply("image-delete", stderr: text + "\n", exit: 1)
            await #expect(throws: RuntimeError.imageNotFound(image: image, detail: text)) {
                try await standIn.runtime.removeImage(self.busybox, force: false)
            }
        }
    }

    @Test func missingKernelAtCreateIsNotAnImageError() async throws {
        try await withStandIn { standIn throws in
            let text = "Error: default kernel not found at /Users/dev/Library/Application Support/com.apple.container/kernels/default.kernel-arm64"
            try standIn.reply("create", stderr: text + "\n", exit: 1)
            let error = await #expect(throws: RuntimeError.self) {
                _ = try await standIn.runtime.createContainer(ContainerSpec(name: "web-1", image: self.busybox))
            }
            #expect(error == .appleKernelMissing(detail: text))
            #expect(error?.description.contains("container system kernel set --recommended") == true)
        }
    }

    @Test func createOfExistingNameIsAConflict() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("create", stderr: "Error: container already exists: web-1\n", exit: 1)
            let spec = ContainerSpec(name: "web-1", image: busybox, network: .named("backend"))
            let error = await #expect(throws: RuntimeError.self) { try await standIn.runtime.createContainer(spec) }
            #expect(try standIn.calls().last == ["create", "--name", "web-1", "--network", "backend", image])
            #expect(error == .containerConflict(container: "web-1", detail: "Error: container already exists: web-1"))
        }
    }

    @Test func deleteOfRunningContainerIsAConflict() async throws {
        try await withStandIn { standIn throws in
            // ContainerDelete reports through AggregateError, which keeps the code prefix.
            let text = #"Error: invalidState: "container web-1 is running and can not be deleted""#
            try standIn.reply("delete", stderr: text + "\n", exit: 1)
            await #expect(throws: RuntimeError.containerConflict(container: "web-1", detail: text)) {
                try await standIn.runtime.removeContainer("web-1", force: false)
            }
        }
    }

    @Test func containerCommandsMapNotFound() async throws {
        try await withStandIn { standIn throws in
            try standIn.reply("start", stderr: "Error: get failed: container ghost not found\n", exit: 1)
            try standIn.reply("stop", stderr: #"Error: notFound: "get failed: container ghost not found""# + "\n", exit: 1)
            try standIn.reply("delete", stderr: #"Error: notFound: "container with ID ghost not found""# + "\n", exit: 1)
            try standIn.reply("inspect", stdout: "[]\n")
            let runtime = standIn.runtime
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.startContainer("ghost") }
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.stopContainer("ghost", timeout: .seconds(1)) }
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { try await runtime.removeContainer("ghost", force: true) }
            await #expect(throws: RuntimeError.containerNotFound(container: "ghost")) { _ = try await runtime.inspectContainer("ghost") }
        }
    }

    // MARK: Create

    @Test func createBuildsFlagsInStableOrderAndReturnsThePrintedID() async throws {
        try await withDirectory { directory in
            let data = directory.appendingPathComponent("data")
            let scratch = directory.appendingPathComponent("x")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            try await withStandIn { standIn throws in
                let spec = ContainerSpec(
                    name: "web-1", image: busybox,
                    labels: ["oubliette.slot": "web", "oubliette.managed": "true"],
                    environment: ["PORT": "8080", "MODE": "test"],
                    mounts: [.init(source: data.path, target: "/data", readOnly: true), .init(source: scratch.path, target: "/x")],
                    command: ["sleep", "300"]
                )
                let id = try await standIn.runtime.createContainer(spec)
                #expect(id == "web-1")
                #expect(
                    try standIn.calls() == [
                        ["--version"], ["image", "inspect", image],
                        [
                            "create", "--name", "web-1",
                            "--label", "oubliette.managed=true", "--label", "oubliette.slot=web",
                            "--env", "MODE=test", "--env", "PORT=8080",
                            "--mount", "type=bind,source=\(data.path),target=/data,readonly",
                            "--mount", "type=bind,source=\(scratch.path),target=/x",
                            image, "sleep", "300",
                        ],
                    ])
            }
        }
    }

    @Test func networkNoneIsPassedAsNetworkNone() async throws {
        try await withStandIn { standIn throws in
            _ = try await standIn.runtime.createContainer(ContainerSpec(name: "web-1", image: busybox, network: .none))
            #expect(try standIn.calls().last == ["create", "--name", "web-1", "--network", "none", image])
        }
    }

    @Test func hostNetworkingIsRefusedWithoutRunningTheCLI() async throws {
        try await withStandIn { standIn throws in
            let spec = ContainerSpec(name: "web-1", image: busybox, network: .host)
            await #expect(throws: RuntimeError.unsupported(runtime: .apple, feature: "host networking")) {
                try await standIn.runtime.createContainer(spec)
            }
            #expect(try standIn.calls().isEmpty)
        }
    }

    @Test func bindMountsMustBeExistingDirectoriesWithoutCommas() async throws {
        try await withDirectory { directory in
            let file = directory.appendingPathComponent("config.json")
            try Data("{}".utf8).write(to: file)
            let comma = directory.appendingPathComponent("a,b")
            try FileManager.default.createDirectory(at: comma, withIntermediateDirectories: true)
            let cases: [(ContainerSpec.Mount, String)] = [
                (.init(source: file.path, target: "/etc/app"), "only directories"),
                (.init(source: directory.appendingPathComponent("missing").path, target: "/m"), "does not exist"),
                (.init(source: comma.path, target: "/c"), "','"),
                (.init(source: directory.path, target: "/data,ro"), "','"),
                (.init(source: directory.path, target: "/k=v"), "'='"),
            ]
            try await withStandIn { standIn throws in
                for (mount, phrase) in cases {
                    let error = await #expect(throws: RuntimeError.self) {
                        try await standIn.runtime.createContainer(ContainerSpec(name: "web-1", image: self.busybox, mounts: [mount]))
                    }
                    guard case let .unsupported(runtime, feature) = error else { Issue.record("\(mount): got \(String(describing: error))"); continue }
                    #expect(runtime == .apple)
                    #expect(feature.contains(phrase), "\(feature)")
                }
                #expect(try standIn.calls().isEmpty)
            }
        }
    }

    @Test func startStopAndDeleteBuildTheirArguments() async throws {
        try await withStandIn { standIn throws in
            let runtime = standIn.runtime
            try await runtime.startContainer("web-1")
            try await runtime.stopContainer("web-1", timeout: .seconds(7))
            try await runtime.removeContainer("web-1", force: false)
            try await runtime.removeContainer("web-1", force: true)
            #expect(
                try standIn.calls() == [
                    ["--version"],
                    ["start", "web-1"],
                    ["stop", "--time", "7", "web-1"],
                    ["delete", "web-1"],
                    ["delete", "--force", "web-1"],
                ])
        }
    }

    // MARK: Containers

    @Test func listDecodesCurrentShapesWithCreationDateAndFiltersByLabel() async throws {
        try await withStandIn(.current) { standIn throws in
            let runtime = standIn.runtime
            let all = try await runtime.listContainers(labels: [:])
            #expect(all.map(\.id) == ["web-1", "other"])
            #expect(all.map(\.state) == [.running, .exited])
            let web = try #require(all.first)
            #expect(web.image == image)
            #expect(web.labels == ["oubliette.managed": "true", "oubliette.slot": "web"])
            #expect(web.created == RFC3339.date("2026-11-24T09:15:02Z"))
            // The CLI's epoch placeholder means "not recorded".
            #expect(all.last?.created == nil)
            #expect(try await runtime.listContainers(labels: ["oubliette.managed": "true"]).map(\.id) == ["web-1"])
            #expect(try await runtime.listContainers(labels: ["oubliette.managed": "true", "oubliette.slot": "db"]).isEmpty)
            #expect(try standIn.calls() == [["--version"]] + Array(repeating: ["list", "--all", "--format", "json"], count: 3))
        }
    }

    @Test func listDecodesLegacyShapes() async throws {
        try await withStandIn(.legacy) { standIn throws in
            let all = try await standIn.runtime.listContainers(labels: ["oubliette.managed": "true"])
            #expect(all.map(\.id) == ["web-1"])
            #expect(all.first?.state == .running)
            #expect(all.first?.labels == ["oubliette.managed": "true", "oubliette.slot": "web"])
            #expect(all.first?.created == nil)
        }
    }

    @Test(arguments: ContainerStandIn.FixtureSet.allCases)
    func inspectContainerReadsEitherShape(set: ContainerStandIn.FixtureSet) async throws {
        try await withStandIn(set) { standIn throws in
            let container = try await standIn.runtime.inspectContainer("web-1")
            #expect(
                container
                    == RuntimeContainer(
                        id: "web-1", name: "web-1", image: image, state: .exited, status: "stopped",
                        labels: ["oubliette.managed": "true"], created: set == .current ? RFC3339.date("2026-11-24T09:15:02Z") : nil
                    ))
            #expect(try standIn.calls() == [["--version"], ["inspect", "web-1"]])
        }
    }

    @Test func unreadableJSONIsAnInvalidResponse() async throws {
        try await withStandIn { standIn throws in
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

@Suite("AppleContainer parsing: version banner, progress lines, Rosetta knob, streaming runner")
struct AppleContainerParsingTests {
    @Test func versionBannersAndDialects() throws {
        let current = try #require(AppleCLIVersion(banner: "container CLI version 1.2.2 (build: release, commit: 0190097)\n"))
        #expect(current == AppleCLIVersion(major: 1, minor: 2, patch: 2))
        #expect(current.dialect == .current && current.isSupported)
        let legacy = try #require(AppleCLIVersion(banner: "container CLI version 0.12.3 (build: release, commit: f989901)"))
        #expect(legacy.dialect == .legacy && legacy.isSupported)
        #expect(AppleCLIVersion(banner: "container CLI version 0.11.0 (build: release, commit: 1a2b3c4)")?.isSupported == false)
        // A source build without release metadata says 0.0.0 and is treated as current.
        let unversioned = try #require(AppleCLIVersion(banner: "container CLI version 0.0.0 (build: debug, commit: unspecified)"))
        #expect(unversioned.isSupported && unversioned.dialect == .current)
        #expect(AppleCLIVersion(banner: "container CLI version 1.3.0-rc1 (build: release)") == AppleCLIVersion(major: 1, minor: 3, patch: 0))
        #expect(AppleCLIVersion(banner: "garbage") == nil)
    }

    @Test func progressLines() {
        #expect(
            AppleProgressLine.event(from: "[1/2] Fetching image 45% (12 of 35 blobs, 10.2/22.5 MB, 3.1 MB/s) [2s]")
                == PullEvent(layer: "1/2", status: "Fetching image", current: 10_695_475, total: 23_592_960))
        #expect(
            AppleProgressLine.event(from: "[2/2] Unpacking image 100% (1,204 entries, 22.5 MB) [1m 9s]")
                == PullEvent(layer: "2/2", status: "Unpacking image", current: 23_592_960, total: 23_592_960))
        #expect(AppleProgressLine.event(from: "Task 50% (2/4 bytes) [0s]") == PullEvent(status: "Task", current: 2, total: 4))
        #expect(AppleProgressLine.event(from: "[1/2] Fetching image 3% (1 of 4 blobs, 512 KB/1,5 MB) [1s]")?.current == 512 << 10)
        #expect(AppleProgressLine.event(from: "[0/2] [0s]") == nil)
        #expect(AppleProgressLine.event(from: "Warning! Running debug build. Performance may be degraded.") == nil)
        #expect(AppleProgressLine.event(from: "Error: image with reference x [y]") == nil)
    }

    @Test func rosettaKnobIsReadFromTheEnvironment() {
        #expect(RuntimeSelection.appleAllowsAMD64(["OUBLIETTE_APPLE_ALLOW_AMD64": "1"]))
        #expect(RuntimeSelection.appleAllowsAMD64(["OUBLIETTE_APPLE_ALLOW_AMD64": "true"]))
        #expect(!RuntimeSelection.appleAllowsAMD64(["OUBLIETTE_APPLE_ALLOW_AMD64": "0"]))
        #expect(!RuntimeSelection.appleAllowsAMD64([:]))
    }

    @Test func streamingRunnerDeliversLinesAndDoesNotStallOnFullPipes() async throws {
        let lines = LineRecorder()
        // 200 kB on stdout, past a 64 kB pipe buffer, then lines on both streams.
        let output = try await ProcessRunner().run(
            ProcessRequest(
                "/bin/sh", ["-c", "head -c 200000 /dev/zero | tr '\\0' 'x'; printf '\\nout line\\n'; printf 'err 1\\rerr 2\\n' >&2; exit 3"],
                onLine: { lines.append($0.text) }))
        #expect(output.exitCode == 3)
        #expect(output.stdout.count == 200_000 + 10)
        #expect(output.stderrText == "err 1\rerr 2\n")
        let seen = lines.all
        #expect(seen.contains("out line"))
        #expect(seen.contains("err 1") && seen.contains("err 2"))
        #expect(seen.contains { $0.count == 200_000 })
    }
}

private final class LineRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
