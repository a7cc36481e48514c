import Foundation
import OCIDistribution
import SystemSupport

/// ``ContainerRuntime`` driving Apple's `container` CLI (macOS, Apple silicon).
///
/// Every operation is one short CLI invocation through a ``CommandRunner``; JSON output is
/// requested wherever the CLI offers it. `container --version` is read once per runtime to
/// pick the JSON dialect (0.12.x or 1.x; the other is tried as a fallback) and to refuse
/// releases older than ``AppleCLIVersion/minimum``. Registry credentials come from the CLI's
/// own keychain (`container registry login`), so no provider is taken here.
package struct AppleContainerRuntime: ContainerRuntime {
    package let kind: RuntimeKind = .apple
    /// Path or `PATH` name of the CLI.
    package let executable: String
    /// Whether an image without a linux/arm64 variant may run its linux/amd64 one under
    /// Rosetta (`--arch amd64`) instead of being refused.
    package let allowsAMD64: Bool
    private let runner: any CommandRunner
    private let platformLister: (any ImagePlatformLister)?
    private let cliVersion = AppleCLIVersionCache()

    /// What Apple `container` runs natively.
    static let nativePlatform = "linux/arm64"
    /// What it can run under Rosetta.
    static let rosettaPlatform = "linux/amd64"

    /// The platforms it runs, native first (linux/amd64 only when Rosetta is allowed).
    package nonisolated var acceptedPlatforms: [String] {
        allowsAMD64 ? [Self.nativePlatform, Self.rosettaPlatform] : [Self.nativePlatform]
    }

    /// - Parameters:
    ///   - executable: the CLI to run, a `PATH` name or a path.
    ///   - runner: starts each CLI invocation and collects its output and exit status.
    ///   - platformLister: asked before a pull which platforms the image publishes, so an
    ///     image without linux/arm64 fails before anything is downloaded; nil leaves it to the CLI.
    ///   - allowsAMD64: run linux/amd64-only images under Rosetta instead of refusing them.
    package init(
        executable: String = "container", runner: any CommandRunner = ProcessRunner(),
        platformLister: (any ImagePlatformLister)? = nil, allowsAMD64: Bool = false
    ) {
        self.executable = executable
        self.runner = runner
        self.platformLister = platformLister
        self.allowsAMD64 = allowsAMD64
    }

    // MARK: Engine

    package func ping() async throws {
        let output = try await invoke(["system", "status"])
        guard output.exitCode == 0 else {
            // `system status` prints "apiserver is not running" on stdout and exits 1.
            throw RuntimeError.appleServicesNotRunning(detail: Self.summary(output))
        }
    }

    /// Reports the CLI release even when it is too old to be driven, so status output can say which.
    package func version() async throws -> RuntimeVersion {
        let version = try await loadedVersion()
        return RuntimeVersion(kind: .apple, engineVersion: version.description, os: "linux")
    }

    // MARK: Images

    package func imageExists(_ reference: ImageReference) async throws -> Bool {
        let dialect = try await supportedVersion().dialect
        let arguments = ["image", "list", "--format", "json"]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else { throw failure(arguments, output) }
        let images = try decodeImages(output, dialect: dialect, listing: true, operation: "listing images")
        return images.contains { Self.sameImage($0.name, reference) }
    }

    package func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        let dialect = try await supportedVersion().dialect
        let image = reference.description
        guard let found = try await localImage(image, dialect: dialect) else {
            throw RuntimeError.imageNotFound(image: image, detail: "`container image inspect` printed no image")
        }
        let variant = found.preferredVariant
        let name = (try? ImageReference(parsing: found.name))?.name ?? reference.name
        return RuntimeImage(
            id: found.digest,
            repoTags: [found.name],
            repoDigests: ["\(name)@\(found.digest)"],
            labels: variant?.config?.config?.Labels ?? [:],
            created: variant?.config?.created.flatMap(RFC3339.date) ?? found.created
        )
    }

    /// Pulls only the platform containers will run (linux/arm64, or linux/amd64 under Rosetta
    /// when allowed and the image has nothing else), streaming the CLI's plain progress lines
    /// as ``PullEvent``s: `layer` is the step (`1/2` fetch, `2/2` unpack), bytes approximate.
    package func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let image = reference.description
                do {
                    _ = try await supportedVersion()
                    let platform = try await pullPlatform(for: reference)
                    continuation.yield(PullEvent(status: "Pulling \(image) (\(platform))"))
                    let arguments = ["image", "pull", "--platform", platform, "--progress", "plain", image]
                    let output = try await invokeStreaming(arguments) { line in
                        if let event = AppleProgressLine.event(from: line) { continuation.yield(event) }
                    }
                    guard output.exitCode == 0 else { throw pullFailure(image: image, platform: platform, output) }
                    continuation.yield(PullEvent(status: "Pulled \(image)"))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    package func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        _ = try await supportedVersion()
        let arguments = ["image", "tag", source.description, target.description]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysServicesDown(output) { throw failure(arguments, output) }
            // 1.x: "Error: image with reference …" (`ClientImage.get(reference:)`).
            if Self.saysImageNotFound(output) { throw RuntimeError.imageNotFound(image: source.description, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
    }

    /// `container image delete` has no force option; `force` is accepted for the protocol's sake.
    package func removeImage(_ reference: ImageReference, force: Bool) async throws {
        _ = try await supportedVersion()
        let arguments = ["image", "delete", reference.description]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysServicesDown(output) { throw failure(arguments, output) }
            if Self.saysInUse(output) { throw RuntimeError.imageConflict(image: reference.description, detail: Self.summary(output)) }
            // 1.x: "Error: failed to delete one or more images: [\"…\"]" for a missing name.
            if Self.saysImageNotFound(output) { throw RuntimeError.imageNotFound(image: reference.description, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
    }

    // MARK: Containers

    package func createContainer(_ spec: ContainerSpec) async throws -> String {
        // Validate before running anything, so a refused spec costs no CLI call.
        var arguments = try Self.createArguments(spec)
        let dialect = try await supportedVersion().dialect
        let (source, local) = try await createSource(spec, dialect: dialect)
        if source != spec.image { arguments[arguments.count - 1 - spec.command.count] = source.description }
        let architecture = try architectureArguments(for: source, local: local)
        arguments.insert(contentsOf: architecture, at: 1)
        let output = try await invoke(arguments)
        let label = spec.name ?? "for \(spec.image)"
        guard output.exitCode == 0 else {
            if Self.saysServicesDown(output) { throw failure(arguments, output) }
            // Checked before "not found": a missing kernel is not a missing image.
            if Self.saysKernelMissing(output) { throw RuntimeError.appleKernelMissing(detail: Self.summary(output)) }
            if Self.saysPlatformMissing(output) {
                throw RuntimeError.platformUnavailable(image: spec.image.description, wanted: Self.nativePlatform, available: [])
            }
            if Self.saysExists(output) { throw RuntimeError.containerConflict(container: label, detail: Self.summary(output)) }
            if Self.saysNotFound(output) { throw RuntimeError.imageNotFound(image: spec.image.description, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
        // The ID is the last line printed (progress may precede it).
        guard let id = output.stdoutText.split(whereSeparator: \.isNewline).last.map({ $0.trimmingCharacters(in: .whitespaces) }),
            !id.isEmpty
        else {
            if let name = spec.name { return name }
            throw RuntimeError.invalidResponse(operation: "creating container \(label)", detail: "`container create` printed no ID")
        }
        return id
    }

    /// The `container create` argument list for `spec`, in a fixed order (without `--arch`).
    static func createArguments(_ spec: ContainerSpec) throws(RuntimeError) -> [String] {
        var arguments = ["create"]
        if let name = spec.name { arguments += ["--name", name] }
        for key in spec.labels.keys.sorted() { arguments += ["--label", "\(key)=\(spec.labels[key] ?? "")"] }
        for pair in spec.environmentList { arguments += ["--env", pair] }
        for mount in spec.mounts {
            try validate(mount)
            arguments += ["--mount", "type=bind,source=\(mount.source),target=\(mount.target)\(mount.readOnly ? ",readonly" : "")"]
        }
        switch spec.network {
        case .default: break
        // `none` is the CLI's network-less attachment (`NetworkClient.noNetworkName`).
        case .none: arguments += ["--network", "none"]
        case let .named(network): arguments += ["--network", network]
        case .host: throw .unsupported(runtime: .apple, feature: "host networking")
        }
        arguments.append(spec.image.description)
        arguments += spec.command
        return arguments
    }

    /// The CLI's `--mount` parser (`Parser.mount`) splits on `,` and then on `=`, and shares
    /// only existing directories (virtiofs), so anything else is refused here with the reason.
    static func validate(_ mount: ContainerSpec.Mount) throws(RuntimeError) {
        for path in [mount.source, mount.target] where path.contains(",") || path.contains("=") {
            throw .unsupported(runtime: .apple, feature: "mount path '\(path)': `container --mount` cannot pass paths containing ',' or '='; rename or move it")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: mount.source, isDirectory: &isDirectory) else {
            throw .unsupported(runtime: .apple, feature: "bind-mounting '\(mount.source)': it does not exist; create the directory first")
        }
        guard isDirectory.boolValue else {
            throw .unsupported(runtime: .apple, feature: "bind-mounting the file '\(mount.source)': only directories can be shared; mount its parent directory")
        }
    }

    package func startContainer(_ id: String) async throws {
        // Without --attach/--interactive the CLI starts the container detached and returns.
        try await containerCommand(["start", id], container: id)
    }

    package func stopContainer(_ id: String, timeout: Duration) async throws {
        try await containerCommand(["stop", "--time", String(max(0, timeout.components.seconds)), id], container: id)
    }

    package func removeContainer(_ id: String, force: Bool) async throws {
        try await containerCommand(force ? ["delete", "--force", id] : ["delete", id], container: id)
    }

    /// The CLI cannot filter by label, so all containers are listed and filtered here.
    package func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        _ = try await supportedVersion()
        let arguments = ["list", "--all", "--format", "json"]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else { throw failure(arguments, output) }
        let snapshots: [AppleContainerSnapshot] = try decode(output, operation: "listing containers")
        return snapshots.map(Self.container(from:)).filter { container in
            labels.allSatisfy { container.labels[$0.key] == $0.value }
        }
    }

    package func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        _ = try await supportedVersion()
        let arguments = ["inspect", id]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysServicesDown(output) { throw failure(arguments, output) }
            if Self.saysNotFound(output) { throw RuntimeError.containerNotFound(container: id) }
            throw failure(arguments, output)
        }
        let snapshots: [AppleContainerSnapshot] = try decode(output, operation: "inspecting container \(id)")
        guard let snapshot = snapshots.first else { throw RuntimeError.containerNotFound(container: id) }
        return Self.container(from: snapshot)
    }

    // MARK: Version and platform

    private func loadedVersion() async throws -> AppleCLIVersion {
        try await cliVersion.value {
            let output = try await invoke(["--version"])
            guard output.exitCode == 0 else { throw failure(["--version"], output) }
            guard let version = AppleCLIVersion(banner: output.stdoutText) else {
                throw RuntimeError.invalidResponse(
                    operation: "reading the Apple container CLI version",
                    detail: "`\(executable) --version` printed '\(Self.summary(output))'")
            }
            return version
        }
    }

    private func supportedVersion() async throws -> AppleCLIVersion {
        let version = try await loadedVersion()
        guard version.isSupported else {
            throw RuntimeError.appleCLIUnsupported(version: version.description, minimum: AppleCLIVersion.minimum.description)
        }
        return version
    }

    /// The `--platform` to pull with. Unknown platforms (no lister, registry unreachable or
    /// private to the CLI's keychain) mean linux/arm64 and the CLI's own verdict.
    private func pullPlatform(for reference: ImageReference) async throws -> String {
        guard let platformLister else { return Self.nativePlatform }
        let available: [String]
        do {
            available = try await platformLister.platforms(of: reference)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return Self.nativePlatform
        }
        if available.isEmpty || available.contains(where: Self.isNative) { return Self.nativePlatform }
        if allowsAMD64, available.contains(where: Self.isRosetta) { return Self.rosettaPlatform }
        throw RuntimeError.platformUnavailable(image: reference.description, wanted: Self.nativePlatform, available: available)
    }

    /// What `container create` gets for `spec`, and that image's local facts (nil when not
    /// local). With the checked image's ID (the manifest digest it was pulled by) it is
    /// `name@digest`: the CLI resolves references by name only (`ClientImage._search` in
    /// apple/container) and pulls by digest what it lacks, so a `name:tag` moved since the
    /// check cannot swap what runs. An image pulled by tag (verify off) has no `name@digest`
    /// entry: its name is used while it still holds that digest, else the create is refused.
    private func createSource(_ spec: ContainerSpec, dialect: AppleCLIVersion.Dialect) async throws -> (ImageReference, AppleImage?) {
        guard let id = spec.imageID, let digest = try? Digest(id) else {
            return (spec.image, try? await localImage(spec.image.description, dialect: dialect))
        }
        let pinned = ImageReference(registry: spec.image.registry, repository: spec.image.repository, tag: nil, digest: digest)
        if let found = try? await localImage(pinned.description, dialect: dialect) { return (pinned, found) }
        if let found = try? await localImage(spec.image.description, dialect: dialect), found.digest == id { return (spec.image, found) }
        throw RuntimeError.imageNotFound(
            image: pinned.description,
            detail: "the image that was checked (\(id)) is no longer in the engine under \(spec.image); pull it again (oubliette image pull)")
    }

    /// `--arch amd64` when the local image holds only linux/amd64 and that is allowed (the CLI
    /// then turns Rosetta on by itself); nothing when it has linux/arm64 or is not local yet.
    private func architectureArguments(for reference: ImageReference, local: AppleImage?) throws -> [String] {
        guard let found = local else { return [] }
        let platforms = found.platforms
        if platforms.isEmpty || platforms.contains(where: Self.isNative) { return [] }
        guard platforms.contains(where: Self.isRosetta) else { return [] }
        guard allowsAMD64 else {
            throw RuntimeError.platformUnavailable(image: reference.description, wanted: Self.nativePlatform, available: platforms)
        }
        return ["--arch", "amd64"]
    }

    private static func isNative(_ platform: String) -> Bool { platform == nativePlatform || platform.hasPrefix(nativePlatform + "/") }
    private static func isRosetta(_ platform: String) -> Bool { platform == rosettaPlatform || platform.hasPrefix(rosettaPlatform + "/") }

    // MARK: Helpers

    /// `image inspect` of one local image; nil when it printed none.
    private func localImage(_ image: String, dialect: AppleCLIVersion.Dialect) async throws -> AppleImage? {
        let arguments = ["image", "inspect", image]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysServicesDown(output) { throw failure(arguments, output) }
            // 1.x: "Error: image not found: …" (`ImageInspect.run`).
            if Self.saysImageNotFound(output) { throw RuntimeError.imageNotFound(image: image, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
        return try decodeImages(output, dialect: dialect, listing: false, operation: "inspecting image \(image)").first
    }

    /// How long one CLI call may take: a hung `container` must not hang oubliette.
    static let commandTimeout = Duration.seconds(120)
    /// Pulls download whole images, so they get longer.
    static let pullTimeout = Duration.seconds(1800)

    private func invoke(_ arguments: [String]) async throws -> CommandOutput {
        try await mappingProcessErrors(arguments) {
            try await runner.run(ProcessRequest(executable, arguments, timeout: Self.commandTimeout))
        }
    }

    /// The one place that streams output (pull progress).
    private func invokeStreaming(_ arguments: [String], onLine: @escaping @Sendable (String) -> Void) async throws -> CommandOutput {
        try await mappingProcessErrors(arguments) {
            try await runner.run(ProcessRequest(executable, arguments, timeout: Self.pullTimeout, onLine: { onLine($0.text) }))
        }
    }

    /// A CLI that cannot be found, hangs past its deadline or is cancelled becomes a runtime error.
    private func mappingProcessErrors(_ arguments: [String], _ body: () async throws -> CommandOutput) async throws -> CommandOutput {
        do {
            return try await body()
        } catch ProcessError.executableNotFound {
            throw RuntimeError.executableNotFound(executable)
        } catch let error as ProcessError {
            throw RuntimeError.commandFailed(
                command: ([executable] + arguments).joined(separator: " "), exitCode: -1,
                stderr: error.description)
        }
    }

    private func containerCommand(_ arguments: [String], container: String) async throws {
        _ = try await supportedVersion()
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysServicesDown(output) { throw failure(arguments, output) }
            // "container X is running and can not be deleted", "container already exists: X".
            if Self.saysExists(output) || Self.saysInUse(output) {
                throw RuntimeError.containerConflict(container: container, detail: Self.summary(output))
            }
            if Self.saysNotFound(output) { throw RuntimeError.containerNotFound(container: container) }
            throw failure(arguments, output)
        }
    }

    private func pullFailure(image: String, platform: String, _ output: CommandOutput) -> RuntimeError {
        if Self.saysServicesDown(output) { return .appleServicesNotRunning(detail: Self.summary(output)) }
        if Self.saysPlatformMissing(output) { return .platformUnavailable(image: image, wanted: platform, available: []) }
        return .pullFailed(image: image, message: Self.summary(output))
    }

    private func failure(_ arguments: [String], _ output: CommandOutput) -> RuntimeError {
        if Self.saysServicesDown(output) { return .appleServicesNotRunning(detail: Self.summary(output)) }
        return .commandFailed(command: ([executable] + arguments).joined(separator: " "), exitCode: output.exitCode, stderr: Self.summary(output))
    }

    /// Images in the dialect the CLI version speaks, else in the other one.
    private func decodeImages(_ output: CommandOutput, dialect: AppleCLIVersion.Dialect, listing: Bool, operation: String) throws -> [AppleImage] {
        let current: () throws -> [AppleImage] = {
            try JSONCoding.decode([AppleImageResource].self, from: output.stdout).map(AppleImage.init)
        }
        let legacy: () throws -> [AppleImage] = {
            if listing {
                return try JSONCoding.decode([AppleLegacyImageListEntry].self, from: output.stdout).map(AppleImage.init)
            }
            return try JSONCoding.decode([AppleLegacyImageDetail].self, from: output.stdout).map(AppleImage.init)
        }
        let (first, second) = dialect == .current ? (current, legacy) : (legacy, current)
        do {
            return try first()
        } catch {
            if let images = try? second() { return images }
            throw RuntimeError.invalidResponse(operation: operation, detail: "`\(executable)` printed JSON this client cannot read: \(error)")
        }
    }

    private func decode<T: Decodable>(_ output: CommandOutput, operation: String) throws -> T {
        do {
            return try JSONCoding.decode(T.self, from: output.stdout)
        } catch {
            throw RuntimeError.invalidResponse(operation: operation, detail: "`\(executable)` printed JSON this client cannot read: \(error)")
        }
    }

    private static func container(from snapshot: AppleContainerSnapshot) -> RuntimeContainer {
        RuntimeContainer(
            id: snapshot.configuration.id,
            // The CLI uses the name as the ID.
            name: snapshot.configuration.id,
            image: snapshot.configuration.image.reference,
            state: ContainerState(engineState: snapshot.status.state),
            status: snapshot.status.state,
            labels: snapshot.configuration.labels ?? [:],
            created: snapshot.configuration.creationDate?.date
        )
    }

    /// Compares a CLI reference (normalized, e.g. `docker.io/library/alpine:latest`) with ours.
    private static func sameImage(_ listed: String, _ reference: ImageReference) -> Bool {
        guard let parsed = try? ImageReference(parsing: listed) else { return listed == reference.description }
        if let digest = reference.digest { return parsed.name == reference.name && parsed.digest == digest }
        return parsed.name == reference.name && parsed.tag == reference.tag
    }

    /// For messages: the CLI's `Error: …` lines when there are any (progress and debug-build
    /// warnings share stderr with them), else stderr, else stdout, trimmed.
    static func summary(_ output: CommandOutput) -> String {
        let stderr = output.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = stderr.isEmpty ? output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) : stderr
        let errors = text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("Error: ") }
        if !errors.isEmpty { return errors.joined(separator: "\n") }
        return text.isEmpty ? "exit status \(output.exitCode)" : text
    }

    private static func lowercasedText(_ output: CommandOutput) -> String {
        (output.stderrText + "\n" + output.stdoutText).lowercased()
    }

    /// `system status`: "apiserver is not running" (stdout); any command while the services are
    /// down: "XPC connection error … Ensure container system service has been started with
    /// `container system start`." (`Application.main`).
    static func saysServicesDown(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        return text.contains("apiserver is not running") || text.contains("container system start")
            || text.contains("xpc connection error")
    }

    private static func saysImageNotFound(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        return text.contains("image with reference") || text.contains("failed to delete one or more images")
            || text.contains("image not found") || saysNotFound(output)
    }

    /// `KernelService`: "default kernel not found at …"; `ClientKernel`: "default kernel not configured …".
    private static func saysKernelMissing(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        return text.contains("default kernel not found") || text.contains("default kernel not configured")
    }

    /// containerization's `ImageStore.import` ("does not support required platforms") and
    /// `Image.manifest(for:)`/`descriptor(for:)` ("platform linux/arm64", "unsupported platform").
    private static func saysPlatformMissing(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        return text.contains("does not support required platforms") || text.contains("unsupported platform")
            || text.contains("error: platform linux/")
    }

    private static func saysNotFound(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        return text.contains("not found") || text.contains("notfound")
    }

    private static func saysExists(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        // AggregateError keeps ContainerizationError's code prefix: "exists: …".
        return text.contains("already exists") || text.contains("error: exists")
    }

    private static func saysInUse(_ output: CommandOutput) -> Bool {
        let text = lowercasedText(output)
        return text.contains("in use") || text.contains("can not be deleted") || text.contains("is running")
            || text.contains("referenced by")
    }
}
