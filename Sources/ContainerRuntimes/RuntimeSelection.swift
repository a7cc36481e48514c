import Foundation
import OCIDistribution
import SystemSupport

/// Which engine to use, as written in configuration or on the command line.
package enum RuntimeSelection: String, Sendable, Codable, CaseIterable {
    case docker
    case apple
    /// Apple `container` on macOS when it is on `PATH`, else Docker.
    case auto

    /// Parses `docker`, `apple` or `auto` (case-insensitive).
    package init(parsing value: String) throws(RuntimeError) {
        guard let selection = RuntimeSelection(rawValue: value.lowercased().trimmingCharacters(in: .whitespaces)) else {
            throw .unknownRuntime(value)
        }
        self = selection
    }

    /// The engine `auto` settles on, given the host OS and what `PATH` holds.
    package static func resolveAuto(
        isMacOS: Bool = RuntimeSelection.hostIsMacOS,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        appleExecutable: String = "container"
    ) -> RuntimeKind {
        if isMacOS, ExecutableLocator.find(appleExecutable, environment: environment) != nil { return .apple }
        return .docker
    }

    /// The engine kind this selection means on this host.
    package func resolve(
        isMacOS: Bool = RuntimeSelection.hostIsMacOS,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        appleExecutable: String = "container"
    ) -> RuntimeKind {
        switch self {
        case .docker: .docker
        case .apple: .apple
        case .auto: Self.resolveAuto(isMacOS: isMacOS, environment: environment, appleExecutable: appleExecutable)
        }
    }

    /// Builds the runtime this selection means, from the caller's credentials and registry
    /// clients (the composition root owns both). Docker reads `DOCKER_HOST` from `environment`
    /// and sends pulls `credentials`, the ones the registry client uses. Apple
    /// `container` pulls with its own keychain; the credentials only serve the platform check
    /// before a pull, and `OUBLIETTE_APPLE_ALLOW_AMD64` is read from `environment`.
    package func makeRuntime(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        isMacOS: Bool = RuntimeSelection.hostIsMacOS,
        appleExecutable: String = "container",
        credentials: any CredentialSource,
        registries: RegistryClientFactory
    ) throws(RuntimeError) -> any ContainerRuntime {
        switch resolve(isMacOS: isMacOS, environment: environment, appleExecutable: appleExecutable) {
        case .docker:
            return try DockerRuntime.fromEnvironment(environment, credentials: credentials)
        case .apple:
            guard isMacOS else { throw .runtimeUnavailable(.apple, reason: "Apple container runs only on macOS") }
            return AppleContainerRuntime(
                executable: appleExecutable, runner: ProcessRunner(),
                platformLister: RegistryPlatformLister(registries: registries),
                allowsAMD64: Self.appleAllowsAMD64(environment))
        }
    }

    /// `OUBLIETTE_APPLE_ALLOW_AMD64=1` (or `true`/`yes`) lets Apple `container` run images that
    /// publish only linux/amd64 under Rosetta instead of refusing them.
    package static func appleAllowsAMD64(_ environment: [String: String]) -> Bool {
        guard let value = environment["OUBLIETTE_APPLE_ALLOW_AMD64"]?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return ["1", "true", "yes"].contains(value)
    }

    package static var hostIsMacOS: Bool {
        #if os(macOS)
            true
        #else
            false
        #endif
    }
}
