import Foundation
import SystemSupport

/// Why a container-runtime operation failed. Each message names the image, container or
/// endpoint involved and says what to do next.
package enum RuntimeError: Error, Equatable, Sendable, DescribedError {
    /// Nothing answers at the Docker endpoint (socket missing, connection refused, …).
    case dockerUnreachable(endpoint: String, reason: String)
    /// `DOCKER_HOST` (or the configured endpoint) could not be understood.
    case invalidDockerHost(String, reason: String)
    /// The daemon's newest API is older than anything this client can speak.
    case apiVersionUnsupported(endpoint: String, serverVersion: String, minimum: String)
    case imageNotFound(image: String, detail: String)
    /// The engine refused to remove or replace an image, usually because a container uses it.
    case imageConflict(image: String, detail: String)
    case pullFailed(image: String, message: String)
    case containerNotFound(container: String)
    /// Name already taken, or the container is running where that is not allowed.
    case containerConflict(container: String, detail: String)
    /// Any other answer the engine gave with a failure status.
    case requestFailed(operation: String, status: Int, message: String)
    /// The engine answered with something this client cannot read.
    case invalidResponse(operation: String, detail: String)
    /// The `container` executable is not where we looked.
    case executableNotFound(String)
    /// Apple's container services are not started.
    case appleServicesNotRunning(detail: String)
    /// A `container` CLI invocation failed in a way not covered above.
    case commandFailed(command: String, exitCode: Int32, stderr: String)
    /// The engine cannot do what the spec asks (e.g. host networking under Apple `container`).
    case unsupported(runtime: RuntimeKind, feature: String)
    /// Registry credentials could not be obtained or encoded for `image`.
    case credentialsUnavailable(image: String, reason: String)
    /// `runtime` configuration value other than `docker`, `apple` or `auto`.
    case unknownRuntime(String)
    /// The requested engine cannot run on this host.
    case runtimeUnavailable(RuntimeKind, reason: String)
    /// `image` publishes no variant for the platform the engine runs (`wanted`, e.g.
    /// `linux/arm64`); `available` lists what it does publish (empty when unknown).
    case platformUnavailable(image: String, wanted: String, available: [String])
    /// The installed Apple `container` CLI is older than the oldest release this adapter speaks.
    case appleCLIUnsupported(version: String, minimum: String)
    /// Apple `container` has no Linux kernel to boot containers with.
    case appleKernelMissing(detail: String)

    package var description: String {
        switch self {
        case let .dockerUnreachable(endpoint, reason):
            return "Docker is not running at \(endpoint) (\(reason)): start it or set DOCKER_HOST to the daemon's socket"
        case let .invalidDockerHost(value, reason):
            return "DOCKER_HOST '\(value)' is not usable: \(reason); use unix:///path/to/docker.sock or tcp://HOST:PORT"
        case let .apiVersionUnsupported(endpoint, serverVersion, minimum):
            return "the Docker daemon at \(endpoint) speaks API \(serverVersion), older than the \(minimum) this tool needs: upgrade Docker"
        case let .imageNotFound(image, detail):
            return "image \(image) not found (\(detail)): check the name and tag, or pull it first"
        case let .imageConflict(image, detail):
            return "image \(image) cannot be removed: \(detail); remove the containers using it or pass force"
        case let .pullFailed(image, message):
            return "pulling \(image) failed: \(message); check the reference, registry address and credentials"
        case let .containerNotFound(container):
            return "container \(container) not found: list containers to check its name or ID"
        case let .containerConflict(container, detail):
            return "container \(container): \(detail); choose another name, or stop/remove the existing container"
        case let .requestFailed(operation, status, message):
            return "\(operation) failed with HTTP \(status): \(message)"
        case let .invalidResponse(operation, detail):
            return "\(operation): unexpected answer from the engine (\(detail)); check that the engine version is supported"
        case let .executableNotFound(executable):
            return "the Apple container CLI '\(executable)' was not found: install it from github.com/apple/container or choose runtime 'docker'"
        case let .appleServicesNotRunning(detail):
            return "Apple container services are not running (\(detail)): run `container system start`"
        case let .commandFailed(command, exitCode, stderr):
            let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "`\(command)` exited with status \(exitCode)\(text.isEmpty ? "" : ": \(text)")"
        case let .unsupported(runtime, feature):
            return "\(runtime) does not support \(feature): change the container settings or use another runtime"
        case let .credentialsUnavailable(image, reason):
            return "registry credentials for \(image) could not be used: \(reason); check your login or credential settings"
        case let .unknownRuntime(value):
            return "unknown runtime '\(value)': use 'docker', 'apple' or 'auto'"
        case let .runtimeUnavailable(kind, reason):
            return "\(kind) cannot be used here: \(reason); choose another runtime"
        case let .platformUnavailable(image, wanted, available):
            let published = available.isEmpty ? "its platforms could not be determined" : "it has \(available.joined(separator: ", "))"
            var text = "image \(image) has no \(wanted) variant (\(published)): set \"image_source\": \"build\" in oubliette.jsonc to build it for this machine"
            // The only emulation Apple container offers is Rosetta for amd64 on arm64.
            if wanted.hasPrefix("linux/arm64"), available.contains(where: { $0.hasPrefix("linux/amd64") }) {
                text += ", or set OUBLIETTE_APPLE_ALLOW_AMD64=1 to run its linux/amd64 variant under Rosetta"
            }
            return text
        case let .appleCLIUnsupported(version, minimum):
            return "Apple container CLI \(version) is too old: this tool needs \(minimum) or newer; upgrade it from github.com/apple/container/releases"
        case let .appleKernelMissing(detail):
            return "Apple container has no default Linux kernel (\(detail)): run `container system kernel set --recommended`"
        }
    }

}
