import CommandSupport
import ImageBuilders
import OublietteCore

/// Loads the config and builds the process's one object graph (``OublietteServices``).
enum CommandContext {
    /// - Parameters:
    ///   - checkVersions: compare image version labels before pulling (`--ignore-version` turns it off).
    ///   - localBuild: how to build images locally, when the command may build.
    /// - Returns: the graph over the config's runtime, warnings printed by ``Output``.
    /// - Throws: ``ConfigError`` when the config cannot be loaded, ``LifecycleError`` when a
    ///   container setting in the environment is invalid, ``RuntimeError`` when the runtime
    ///   cannot be set up.
    static func services(checkVersions: Bool = true, localBuild: LocalBuildSettings? = nil) throws -> OublietteServices {
        let paths = OubliettePaths.resolve()
        let config = try OublietteConfig.load(paths: paths)
        let settings = try ContainerSettings.fromEnvironment()
        let options = OublietteServices.Options(
            checkVersions: checkVersions, localBuild: localBuild,
            warn: { Output.warning($0) }, settings: settings)
        return try OublietteServices.make(paths: paths, config: config, options: options)
    }
}
