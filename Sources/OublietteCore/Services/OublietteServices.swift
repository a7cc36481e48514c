import ContainerRuntimes
import Foundation
import ImageCatalogue
import OCIDistribution
import SystemSupport

/// The object graph of one oubliette process: built once (by a command, or by `serve`) and
/// passed down, so every caller shares one image manager (one pull per image at a time, one
/// version check), one registry-client factory (one token per registry) and one set of stores.
package final class OublietteServices: Sendable {
    /// How a command wants the graph assembled.
    package struct Options: Sendable {
        /// Compare images' version labels with this CLI's before pulling.
        package var checkVersions: Bool
        /// How to build images locally (`image_source: build`, `--rebuild-image`); nil = no builds.
        package var localBuild: LocalBuildSettings?
        /// Where warnings (version mismatch, unscoped credentials) go; the CLI prints them to stderr.
        package var warn: @Sendable (String) -> Void
        package var settings: ContainerSettings
        package var retryPolicy: RetryPolicy
        package var sleeper: any Sleeper
        /// nil = `OUBLIETTE_REGISTRY_*` scoped by host, then docker's config.
        package var credentials: (any CredentialSource)?
        package var now: @Sendable () -> Date
        /// Check, before each pull, that the image publishes the runtime's platform.
        package var checkPlatforms = true

        package init(
            checkVersions: Bool = true, localBuild: LocalBuildSettings? = nil,
            warn: @escaping @Sendable (String) -> Void = { _ in }, settings: ContainerSettings = ContainerSettings(),
            retryPolicy: RetryPolicy = .default, sleeper: any Sleeper = ContinuousSleeper(),
            credentials: (any CredentialSource)? = nil, now: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.checkVersions = checkVersions
            self.localBuild = localBuild
            self.warn = warn
            self.settings = settings
            self.retryPolicy = retryPolicy
            self.sleeper = sleeper
            self.credentials = credentials
            self.now = now
        }
    }

    package let paths: OubliettePaths
    package let config: OublietteConfig
    package let runtime: any ContainerRuntime
    package let registries: RegistryClientFactory
    package let provenance: ProvenanceStore
    package let projectStore: ProjectStore
    package let updateCheckCache: UpdateCheckCache
    package let images: ImageManager
    package let lifecycle: ContainerLifecycle
    package let projects: ProjectManager
    package let updater: ImageUpdater
    package let status: StatusReporter

    /// The graph over the runtime the config selects, sharing one credential chain with it.
    package static func make(paths: OubliettePaths, config: OublietteConfig, options: Options = Options()) throws(RuntimeError) -> OublietteServices {
        var options = options
        let credentials = options.credentials ?? OublietteCredentials.standard(warn: options.warn)
        options.credentials = credentials
        let registries = makeRegistries(config: config, options: options, credentials: credentials)
        let runtime = try config.runtime.makeRuntime(credentials: credentials, registries: registries)
        return OublietteServices(paths: paths, config: config, runtime: runtime, registries: registries, options: options)
    }

    /// - Parameters:
    ///   - paths: where the stores (provenance, projects, update checks) keep their files.
    ///   - config: the user's configuration every service reads.
    ///   - runtime: the container engine every service drives.
    ///   - registries: the factory the runtime was built with, so both share it; nil makes one
    ///     from `config` and `options`.
    ///   - options: how the graph is assembled (checks, builds, warnings, clock).
    package init(
        paths: OubliettePaths, config: OublietteConfig, runtime: any ContainerRuntime,
        registries: RegistryClientFactory? = nil, options: Options = Options()
    ) {
        self.paths = paths
        self.config = config
        self.runtime = runtime
        let credentials = options.credentials ?? OublietteCredentials.standard(warn: options.warn)
        self.registries = registries ?? makeRegistries(config: config, options: options, credentials: credentials)
        provenance = ProvenanceStore(dataDirectory: paths.dataDirectory)
        projectStore = ProjectStore(dataDirectory: paths.dataDirectory)
        updateCheckCache = UpdateCheckCache(dataDirectory: paths.dataDirectory)
        let versionPolicy =
            options.checkVersions
            ? VersionCheckPolicy(
                inspector: RegistryImageInspector(registries: self.registries),
                throttle: VersionWarningThrottle(stateDirectory: paths.dataDirectory), warn: options.warn)
            : nil
        images = ImageManager(
            config: config, runtime: runtime, provenance: provenance, versionPolicy: versionPolicy,
            localBuild: options.localBuild, retryPolicy: options.retryPolicy, sleeper: options.sleeper,
            platformCheck: options.checkPlatforms ? ImagePlatformCheck(lister: RegistryPlatformLister(registries: self.registries)) : nil,
            signatureCheck: ImageSignatureCheck(config: config, registries: self.registries, warn: options.warn),
            now: options.now)
        var settings = options.settings
        if settings.owner.isEmpty { settings.owner = paths.dataDirectory.standardizedFileURL.path }
        lifecycle = ContainerLifecycle(config: config, runtime: runtime, store: projectStore, images: images, settings: settings)
        projects = ProjectManager(lifecycle: lifecycle, now: options.now)
        updater = ImageUpdater(config: config, runtime: runtime, provenance: provenance, lifecycle: lifecycle)
        status = StatusReporter(
            config: config, runtime: runtime, provenance: provenance, cache: updateCheckCache,
            registries: self.registries,
            cliReleases: CLIReleaseCheck(dataDirectory: paths.dataDirectory, now: options.now), now: options.now)
    }
}

private func makeRegistries(
    config: OublietteConfig, options: OublietteServices.Options,
    credentials: any CredentialSource
) -> RegistryClientFactory {
    RegistryClientFactory(
        credentials: credentials, insecureRegistries: config.insecureRegistries,
        retryPolicy: options.retryPolicy, sleeper: options.sleeper, clientID: "oubliette")
}
