import Foundation
import OCIDistribution

/// The credentials oubliette and release-tool use: `OUBLIETTE_REGISTRY_*` (for the one
/// registry `OUBLIETTE_REGISTRY_HOST` names), then docker's config and its helpers.
package enum OublietteCredentials {
    package static let environmentPrefix = "OUBLIETTE_REGISTRY"

    /// The chain; `warn` receives a warning when the variables are set without a host.
    package static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        warn: (String) -> Void = { _ in }
    ) -> ChainedCredentials {
        let fromEnvironment = EnvironmentCredentials(prefix: environmentPrefix, environment: environment)
        if let warning = fromEnvironment.unscopedWarning { warn("warning: \(warning)") }
        return ChainedCredentials([fromEnvironment, DockerConfigCredentials(environment: environment)])
    }
}
