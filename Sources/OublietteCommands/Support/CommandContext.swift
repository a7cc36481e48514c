import CommandSupport
import ImageBuilders
import OublietteCore

/// Loads the config and builds the process's one object graph (``OublietteServices``).
enum CommandContext {
    /// - Parameters:
    ///   - checkVersions: compare image version labels before pulling (`--ignore-version` turns it off).
    ///   - localBuild: how to build images locally, when the command may build.
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
