import Foundation
import TestSupport
import Testing

@testable import OCIDistribution
@testable import OublietteCore

@Suite("ImageManager (fault injection with a scripted runtime)")
struct ImageManagerTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("im-\(UUID().uuidString)")

    func manager(_ runtime: ScriptedRuntime, devMode: Bool = false, at date: Date = Date(timeIntervalSince1970: 1_700_000_000)) -> ImageManager {
        ImageManager(
            config: OublietteConfig(catalogue: .shipped, devMode: devMode), runtime: runtime,
            provenance: ProvenanceStore(dataDirectory: data), retryPolicy: .none, now: { date })
    }

    /// Refresh (pullLatest) and first use (ensureImage) of the same image share one pull.
    @Test func refreshesAndFirstUsesShareOneFlight() async throws {
        let runtime = ScriptedRuntime()
        let gate = Gate()
        await runtime.setPullGate(gate)
        let manager = manager(runtime)
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev:latest")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    if index.isMultiple(of: 2) {
                        _ = try await manager.ensureImage(type: "dev")
                    } else {
                        _ = try await manager.pullLatest(type: "dev")
                    }
                }
            }
            #expect(await eventually { await manager.callersWaiting(on: dev) == 19 })
            await gate.open()
            try await group.waitForAll()
        }
        #expect(await runtime.count("pull") == 1)
        // Once that flight is over, a refresh pulls afresh (the registry may have moved on).
        _ = try await manager.pullLatest(type: "dev")
        #expect(await runtime.count("pull") == 2)
    }

    /// The step a refresh wraps around its pull (keeping `previous`) runs only in the call that
    /// starts the flight: the others join the pull at once, so a step cannot outlast the flight
    /// and cost a second pull, and two steps never run at once.
    @Test func aStepAroundThePullRunsOnlyInTheFlightsStarter() async throws {
        let runtime = ScriptedRuntime()
        let gate = Gate()
        await runtime.setPullGate(gate)
        let manager = manager(runtime)
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev:latest")
        let steps = StepCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    _ = try await manager.pullLatest(
                        type: "dev",
                        around: { pull in
                            await steps.increment()
                            return try await pull()
                        })
                }
            }
            #expect(await eventually { await manager.callersWaiting(on: dev) == 9 })
            await gate.open()
            try await group.waitForAll()
        }
        #expect(await steps.value == 1, "only the flight's starter runs its step")
        #expect(await runtime.count("pull") == 1)
    }

    @Test func presentImageCostsOneLookupAndNoPull() async throws {
        let base = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-base:latest")
        let runtime = ScriptedRuntime(present: [base])
        let ensured = try await manager(runtime).ensureImage(type: "base")
        #expect(!ensured.pulled)
        #expect(await runtime.count("imageExists") == 1)
        #expect(await runtime.count("pull") == 0)
    }

    @Test func concurrentCallersShareOnePull() async throws {
        let runtime = ScriptedRuntime()
        let gate = Gate()
        await runtime.setPullGate(gate)
        let manager = manager(runtime)
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev:latest")
        let results = try await withThrowingTaskGroup(of: ImageManager.EnsuredImage.self) { group in
            for _ in 0..<20 { group.addTask { try await manager.ensureImage(type: "dev") } }
            // The pull finishes only once all twenty callers are on its flight.
            #expect(await eventually { await manager.callersWaiting(on: dev) == 19 })
            await gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { $0.pulled && $0.reference.description == "ghcr.io/hyphagroup/oubliette-dev:latest" })
        #expect(await runtime.count("pull") == 1)

        // Provenance is recorded once the pull lands.
        let records = try await ProvenanceStore(dataDirectory: data).all()
        let record = try #require(records["ghcr.io/hyphagroup/oubliette-dev:latest"])
        #expect(record.source == .prebuilt)
        #expect(record.registry == "ghcr.io")
        #expect(record.version == "1.2.3")
        #expect(record.digest == "sha256:\(String(repeating: "d", count: 64))")
        #expect(record.acquiredAt == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func concurrentCallersAllSeeTheSharedFailure() async throws {
        let runtime = ScriptedRuntime()
        let gate = Gate()
        await runtime.setPullGate(gate)
        await runtime.setPullError(.pullFailed(image: "x", message: "connection refused"))
        let manager = manager(runtime)
        let base = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-base:latest")
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    do { _ = try await manager.ensureImage(type: "base"); return nil } catch { return "\(error)" }
                }
            }
            #expect(await eventually { await manager.callersWaiting(on: base) == 4 })
            await gate.open()
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(failures.count == 5)
        for failure in failures {
            let text = try #require(failure)
            #expect(text.contains("could not pull ghcr.io/hyphagroup/oubliette-base:latest for container type 'base'"))
            #expect(text.contains("connection refused"))
            #expect(text.contains("docker pull ghcr.io/hyphagroup/oubliette-base:latest"))
        }
        #expect(await runtime.count("pull") == 1)
    }

    @Test func devModeNeverPullsAndSaysHowToBuild() async throws {
        let runtime = ScriptedRuntime()
        do {
            _ = try await manager(runtime, devMode: true).ensureImage(type: "dev")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("image oubliette-dev:latest for container type 'dev' is not present"))
            #expect(
                "\(error)".contains(
                    "docker build -t oubliette-dev:latest -f containers/dev/Dockerfile --build-arg BASE_IMAGE=oubliette-base:latest containers/dev"))
        }
        #expect(await runtime.count("pull") == 0)
    }

    @Test func unknownTypeListsValidTypes() async {
        let runtime = ScriptedRuntime()
        await #expect(throws: ConfigError.unknownContainerType("gpu", valid: ["base", "dev"])) {
            try await manager(runtime).ensureImage(type: "gpu")
        }
    }

    @Test func fallsBackToMirrorsInOrderAndRecordsWhichOne() async throws {
        let runtime = ScriptedRuntime()
        await runtime.setUnreachable(["ghcr.io", "mirror-a.example"])
        var config = OublietteConfig(catalogue: .shipped, devMode: false)
        config.registryMirrors = ["mirror-a.example", "mirror-b.example:5000"]
        let manager = ImageManager(config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data), retryPolicy: .none)
        let ensured = try await manager.ensureImage(type: "base")
        #expect(ensured.pulled)
        #expect(await runtime.pulledReferences.map(\.description) == ["mirror-b.example:5000/hyphagroup/oubliette-base:latest"])
        #expect(await runtime.count("pull") == 3)
        #expect(await runtime.count("tag") == 1)
        let record = try await ProvenanceStore(dataDirectory: data).all()["ghcr.io/hyphagroup/oubliette-base:latest"]
        #expect(record?.registry == "mirror-b.example:5000")
    }

    @Test func everyFailedMirrorIsNamedInTheError() async throws {
        let runtime = ScriptedRuntime()
        await runtime.setUnreachable(["ghcr.io", "mirror-a.example"])
        var config = OublietteConfig(catalogue: .shipped, devMode: false)
        config.registryMirrors = ["mirror-a.example"]
        let manager = ImageManager(config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data), retryPolicy: .none)
        do {
            _ = try await manager.ensureImage(type: "base")
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)".contains("ghcr.io: pulling ghcr.io/hyphagroup/oubliette-base:latest failed"))
            #expect("\(error)".contains("mirror-a.example: pulling mirror-a.example/hyphagroup/oubliette-base:latest failed"))
        }
    }
}

@Suite("Engine pull retries")
struct EnginePullRetryTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("retry-\(UUID().uuidString)")

    @Test(arguments: [
        ("Get \"http://r/v2/\": dial tcp 127.0.0.1:1: connect: connection refused", true),
        ("received unexpected HTTP status: 503 Service Unavailable", true),
        ("toomanyrequests: You have reached your pull rate limit", true),
        ("net/http: TLS handshake timeout", true),
        ("manifest unknown: manifest unknown", false),
        ("pull access denied for x, repository does not exist or may require 'docker login'", false),
        ("unauthorized: authentication required", false),
        ("invalid reference format", false),
    ])
    func classifiesDaemonMessages(message: String, transient: Bool) {
        #expect(EnginePullRetry.isTransient(message) == transient)
    }

    @Test func transientFailuresAreRetriedWithBackoffThenReported() async throws {
        let runtime = ScriptedRuntime()
        await runtime.setUnreachable(["ghcr.io"])
        let sleeper = RecordingSleeper()
        let manager = ImageManager(
            config: OublietteConfig(catalogue: .shipped, devMode: false), runtime: runtime,
            provenance: ProvenanceStore(dataDirectory: data), sleeper: sleeper)
        let notices = Notices()
        do {
            _ = try await manager.ensureImage(type: "base") { notices.append($0.status) }
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)".contains("4 attempts at ghcr.io: pulling"), "what was tried: \(error)")
        }
        #expect(await runtime.count("pull") == 4)
        #expect(await sleeper.slept == [.seconds(1), .seconds(2), .seconds(4)])
        // No wait is silent: each one says what it waits for and how long.
        #expect(
            notices.all == [
                "registry ghcr.io unreachable (connection refused); retrying in 1 s (attempt 2 of 4)",
                "registry ghcr.io unreachable (connection refused); retrying in 2 s (attempt 3 of 4)",
                "registry ghcr.io unreachable (connection refused); retrying in 4 s (attempt 4 of 4)",
            ])
    }

    @Test func aMissingTagIsNotCalledANetworkProblem() {
        let error = ImageManagerError.pullFailed(
            type: "base", image: "ghcr.io/x/base:9", reason: "manifest for ghcr.io/x/base:9 not found: manifest unknown",
            manualCommand: "docker pull ghcr.io/x/base:9")
        #expect(error.description.contains("the image or tag does not exist"), "\(error)")
        #expect(!error.description.contains("network"), "\(error)")
    }

    @Test func permanentFailuresAreNotRetried() async throws {
        let runtime = ScriptedRuntime()
        await runtime.setPullError(.pullFailed(image: "x", message: "manifest unknown"))
        let sleeper = RecordingSleeper()
        let manager = ImageManager(
            config: OublietteConfig(catalogue: .shipped, devMode: false), runtime: runtime,
            provenance: ProvenanceStore(dataDirectory: data), sleeper: sleeper)
        await #expect(throws: ImageManagerError.self) { try await manager.ensureImage(type: "base") }
        #expect(await runtime.count("pull") == 1)
        #expect(await sleeper.slept.isEmpty)
    }

    /// A refresh that arrives while a presence check (no pull) is finishing still pulls, once,
    /// and never spins on the finished check.
    // A liveness limit, not a timing claim: alone this takes ~0.05 s, but the whole suite starts
    // at once on two cores and CPU-bound suites (Sigstore conformance, CVSS agreement, layer
    // limits) can hold both cooperative threads for over a minute.
    @Test(.timeLimit(.minutes(5))) func refreshAfterAPresenceCheckPullsOnce() async throws {
        let dev = try ImageReference(parsing: "ghcr.io/hyphagroup/oubliette-dev:latest")
        let runtime = ScriptedRuntime(present: [dev])
        let images = ImageManager(
            config: OublietteConfig(catalogue: .shipped, devMode: false), runtime: runtime,
            provenance: ProvenanceStore(dataDirectory: data), retryPolicy: .none)
        for _ in 0..<20 {
            async let present = images.ensureImage(type: "dev")
            async let refreshed = images.pullLatest(type: "dev")
            _ = try await present
            _ = try await refreshed
        }
        #expect(await runtime.count("pull") == 20, "every refresh pulls, once")
    }

    /// The version check guards every pull path, refresh and update (pullLatest) as well as
    /// first use — not only `oubliette image pull`.
    @Test func refreshPullsPassTheSameVersionCheck() async throws {
        let warnings = WarningLog()
        let policy = VersionCheckPolicy(
            inspector: FixedLabels(["org.opencontainers.image.version": "9.9.9"]), cliVersion: "1.0.0",
            throttle: VersionWarningThrottle(stateDirectory: data), warn: { warnings.append($0) })
        let runtime = ScriptedRuntime()
        let manager = ImageManager(
            config: OublietteConfig(catalogue: .shipped, devMode: false), runtime: runtime,
            provenance: ProvenanceStore(dataDirectory: data), versionPolicy: policy, retryPolicy: .none)
        _ = try await manager.pullLatest(type: "dev")
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("is version 9.9.9, newer than this oubliette (1.0.0): run `oubliette self-update`") == true)
    }

    /// A custom image (not the catalogue's own for its type) carries its own version label:
    /// no warning and no refusal, while a pinned tag of the catalogue's repository is checked.
    @Test func customImagesAreNotVersionChecked() async throws {
        let warnings = WarningLog()
        let policy = VersionCheckPolicy(
            inspector: FixedLabels(["org.opencontainers.image.version": "9.9.9"]), cliVersion: "1.0.0",
            throttle: VersionWarningThrottle(stateDirectory: data), warn: { warnings.append($0) })
        let config = try OublietteConfig(
            parsing: """
                { "containers": { "dev": "registry.example/acme/own-dev:2", "probe": "registry.example/acme/probe:1",
                  "base": "ghcr.io/hyphagroup/oubliette-base:v1.0.0" } }
                """, file: "t.jsonc", catalogue: .shipped, devMode: false)
        #expect(!config.isCatalogueImage("dev") && !config.isCatalogueImage("probe") && config.isCatalogueImage("base"))
        let runtime = ScriptedRuntime()
        let manager = ImageManager(
            config: config, runtime: runtime, provenance: ProvenanceStore(dataDirectory: data), versionPolicy: policy,
            retryPolicy: .none)
        #expect(try await manager.checkVersion(type: "dev") == .compatible)
        #expect(try await manager.checkVersion(type: "probe") == .compatible)
        _ = try await manager.pullLatest(type: "dev")
        _ = try await manager.ensureImage(type: "probe")
        #expect(warnings.all.isEmpty, "\(warnings.all)")
        #expect(await runtime.count("pull") == 2, "custom images are pulled, not refused")
        // The catalogue's repository under a pinned tag is still the catalogue's image.
        #expect(try await manager.checkVersion(type: "base") == .mismatch(imageVersion: "9.9.9", cliVersion: "1.0.0"))
    }
}

/// Labels a registry would report, without one.
private struct FixedLabels: RemoteImageInspector {
    let labels: [String: String]
    init(_ labels: [String: String]) { self.labels = labels }
    func labels(of reference: ImageReference) async throws -> [String: String]? { labels }
}

private final class WarningLog: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var warnings: [String] = []
    func append(_ text: String) { lock.withLock { warnings.append(text) } }
    var all: [String] { lock.withLock { warnings } }
}

/// Pull notices collected from the pull's task.
final class Notices: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [String] = []

    func append(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

/// How many times a flight's step ran.
private actor StepCount {
    private(set) var value = 0
    func increment() { value += 1 }
}
