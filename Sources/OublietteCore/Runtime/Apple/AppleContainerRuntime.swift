import Foundation
import SystemSupport
import OCIDistribution

/// ``ContainerRuntime`` driving Apple's `container` CLI (macOS, Apple silicon).
///
/// Every operation is one short CLI invocation through a ``CommandRunner``; JSON output is
/// requested wherever the CLI offers it. Registry credentials come from the CLI's own
/// keychain (`container registry login`), so no provider is taken here.
public struct AppleContainerRuntime: ContainerRuntime {
    public let kind: RuntimeKind = .apple
    /// Path or `PATH` name of the CLI.
    public let executable: String
    private let runner: any CommandRunner

    public init(executable: String = "container", runner: any CommandRunner = ProcessRunner()) {
        self.executable = executable
        self.runner = runner
    }

    // MARK: Engine

    public func ping() async throws {
        let output = try await invoke(["system", "status"])
        guard output.exitCode == 0 else {
            throw RuntimeError.appleServicesNotRunning(detail: Self.summary(output))
        }
    }

    public func version() async throws -> RuntimeVersion {
        let output = try await invoke(["--version"])
        guard output.exitCode == 0 else { throw failure(["--version"], output) }
        // e.g. "container CLI version 0.5.0 (build: release, commit: 1a2b3c4)"
        let words = output.stdoutText.split(whereSeparator: \.isWhitespace).map(String.init)
        let engineVersion: String
        if let index = words.firstIndex(of: "version"), index + 1 < words.count {
            engineVersion = words[index + 1]
        } else {
            engineVersion = output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return RuntimeVersion(kind: .apple, engineVersion: engineVersion, os: "linux")
    }

    // MARK: Images

    public func imageExists(_ reference: ImageReference) async throws -> Bool {
        let arguments = ["image", "list", "--format", "json"]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else { throw failure(arguments, output) }
        let images: [AppleImageDescription] = try decode(output, operation: "listing images")
        return images.contains { Self.sameImage($0.reference, reference) }
    }

    public func inspectImage(_ reference: ImageReference) async throws -> RuntimeImage {
        let image = reference.description
        let arguments = ["image", "inspect", image]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysNotFound(output) { throw RuntimeError.imageNotFound(image: image, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
        let details: [AppleImageDetail] = try decode(output, operation: "inspecting image \(image)")
        guard let detail = details.first else {
            throw RuntimeError.imageNotFound(image: image, detail: "`container image inspect` printed no image")
        }
        // Attestation manifests show up as variants with platform unknown/unknown.
        let variant = detail.variants?.first { $0.platform?.os != "unknown" } ?? detail.variants?.first
        let name = (try? ImageReference(parsing: detail.name))?.name ?? reference.name
        return RuntimeImage(
            id: detail.index.digest,
            repoTags: [detail.name],
            repoDigests: ["\(name)@\(detail.index.digest)"],
            labels: variant?.config?.config?.Labels ?? [:],
            created: variant?.config?.created.flatMap(RFC3339.date)
        )
    }

    public func pullImage(_ reference: ImageReference) -> AsyncThrowingStream<PullEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let image = reference.description
                // The CLI only draws progress for terminals, so report the start and the end.
                continuation.yield(PullEvent(status: "Pulling \(image)"))
                do {
                    let output = try await invoke(["image", "pull", "--progress", "none", image])
                    guard output.exitCode == 0 else {
                        throw RuntimeError.pullFailed(image: image, message: Self.summary(output))
                    }
                    continuation.yield(PullEvent(status: "Pulled \(image)"))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func tagImage(_ source: ImageReference, as target: ImageReference) async throws {
        let arguments = ["image", "tag", source.description, target.description]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysNotFound(output) { throw RuntimeError.imageNotFound(image: source.description, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
    }

    /// `container image delete` has no force option; `force` is accepted for the protocol's sake.
    public func removeImage(_ reference: ImageReference, force: Bool) async throws {
        let arguments = ["image", "delete", reference.description]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysNotFound(output) { throw RuntimeError.imageNotFound(image: reference.description, detail: Self.summary(output)) }
            if Self.saysInUse(output) { throw RuntimeError.imageConflict(image: reference.description, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
    }

    // MARK: Containers

    public func createContainer(_ spec: ContainerSpec) async throws -> String {
        let arguments = try Self.createArguments(spec)
        let output = try await invoke(arguments)
        let label = spec.name ?? "for \(spec.image)"
        guard output.exitCode == 0 else {
            if Self.saysExists(output) { throw RuntimeError.containerConflict(container: label, detail: Self.summary(output)) }
            if Self.saysNotFound(output) { throw RuntimeError.imageNotFound(image: spec.image.description, detail: Self.summary(output)) }
            throw failure(arguments, output)
        }
        // The ID is the last line printed (progress may precede it).
        guard let id = output.stdoutText.split(whereSeparator: \.isNewline).last.map({ $0.trimmingCharacters(in: .whitespaces) }),
              !id.isEmpty else {
            if let name = spec.name { return name }
            throw RuntimeError.invalidResponse(operation: "creating container \(label)", detail: "`container create` printed no ID")
        }
        return id
    }

    /// The `container create` argument list for `spec`, in a fixed order.
    static func createArguments(_ spec: ContainerSpec) throws(RuntimeError) -> [String] {
        var arguments = ["create"]
        if let name = spec.name { arguments += ["--name", name] }
        for key in spec.labels.keys.sorted() { arguments += ["--label", "\(key)=\(spec.labels[key] ?? "")"] }
        for pair in spec.environmentList { arguments += ["--env", pair] }
        for mount in spec.mounts {
            arguments += ["--mount", "type=bind,source=\(mount.source),target=\(mount.target)\(mount.readOnly ? ",readonly" : "")"]
        }
        switch spec.network {
        case .default: break
        case let .named(network): arguments += ["--network", network]
        case .none: throw .unsupported(runtime: .apple, feature: "a container without networking (network mode 'none')")
        case .host: throw .unsupported(runtime: .apple, feature: "host networking")
        }
        arguments.append(spec.image.description)
        arguments += spec.command
        return arguments
    }

    public func startContainer(_ id: String) async throws {
        try await containerCommand(["start", id], container: id)
    }

    public func stopContainer(_ id: String, timeout: Duration) async throws {
        try await containerCommand(["stop", "--time", String(max(0, timeout.components.seconds)), id], container: id)
    }

    public func removeContainer(_ id: String, force: Bool) async throws {
        try await containerCommand(force ? ["delete", "--force", id] : ["delete", id], container: id)
    }

    /// The CLI cannot filter by label, so all containers are listed and filtered here.
    public func listContainers(labels: [String: String]) async throws -> [RuntimeContainer] {
        let arguments = ["list", "--all", "--format", "json"]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else { throw failure(arguments, output) }
        let snapshots: [AppleContainerSnapshot] = try decode(output, operation: "listing containers")
        return snapshots.map(Self.container(from:)).filter { container in
            labels.allSatisfy { container.labels[$0.key] == $0.value }
        }
    }

    public func inspectContainer(_ id: String) async throws -> RuntimeContainer {
        let arguments = ["inspect", id]
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysNotFound(output) { throw RuntimeError.containerNotFound(container: id) }
            throw failure(arguments, output)
        }
        let snapshots: [AppleContainerSnapshot] = try decode(output, operation: "inspecting container \(id)")
        guard let snapshot = snapshots.first else { throw RuntimeError.containerNotFound(container: id) }
        return Self.container(from: snapshot)
    }

    // MARK: Helpers

    private func invoke(_ arguments: [String]) async throws -> CommandOutput {
        do {
            return try await runner.run(executable, arguments: arguments)
        } catch ProcessError.executableNotFound {
            throw RuntimeError.executableNotFound(executable)
        } catch let error as ProcessError {
            throw RuntimeError.commandFailed(command: ([executable] + arguments).joined(separator: " "), exitCode: -1,
                                             stderr: error.description)
        }
    }

    private func containerCommand(_ arguments: [String], container: String) async throws {
        let output = try await invoke(arguments)
        guard output.exitCode == 0 else {
            if Self.saysNotFound(output) { throw RuntimeError.containerNotFound(container: container) }
            if Self.saysExists(output) || Self.saysInUse(output) {
                throw RuntimeError.containerConflict(container: container, detail: Self.summary(output))
            }
            throw failure(arguments, output)
        }
    }

    private func failure(_ arguments: [String], _ output: CommandOutput) -> RuntimeError {
        if Self.saysServicesDown(output) { return .appleServicesNotRunning(detail: Self.summary(output)) }
        return .commandFailed(command: ([executable] + arguments).joined(separator: " "), exitCode: output.exitCode, stderr: Self.summary(output))
    }

    private func decode<T: Decodable>(_ output: CommandOutput, operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: output.stdout)
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
            created: snapshot.configuration.metadata?.createdAt?.date
        )
    }

    /// Compares a CLI reference (normalized, e.g. `docker.io/library/alpine:latest`) with ours.
    private static func sameImage(_ listed: String, _ reference: ImageReference) -> Bool {
        guard let parsed = try? ImageReference(parsing: listed) else { return listed == reference.description }
        if let digest = reference.digest { return parsed.name == reference.name && parsed.digest == digest }
        return parsed.name == reference.name && parsed.tag == reference.tag
    }

    /// Stderr (else stdout) trimmed, for messages.
    private static func summary(_ output: CommandOutput) -> String {
        let stderr = output.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = stderr.isEmpty ? output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) : stderr
        return text.isEmpty ? "exit status \(output.exitCode)" : text
    }

    private static func saysNotFound(_ output: CommandOutput) -> Bool {
        let text = summary(output).lowercased()
        return text.contains("not found") || text.contains("notfound")
    }

    private static func saysExists(_ output: CommandOutput) -> Bool {
        let text = summary(output).lowercased()
        // ContainerizationError prints its code first: "Error: exists: …".
        return text.contains("already exists") || text.contains("error: exists")
    }

    private static func saysInUse(_ output: CommandOutput) -> Bool {
        let text = summary(output).lowercased()
        return text.contains("in use") || text.contains("is running") || text.contains("referenced by")
    }

    private static func saysServicesDown(_ output: CommandOutput) -> Bool {
        let text = summary(output).lowercased()
        return text.contains("xpc") || text.contains("container system start") || text.contains("apiserver")
    }
}
