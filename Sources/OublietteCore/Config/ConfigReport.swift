import Foundation

/// The resolved configuration as `oubliette config show --json` prints it.
package struct ConfigReport: Encodable, Sendable {
    package struct Container: Encodable, Sendable {
        package let type: String
        package let image: String
        package let source: String
    }

    package let configFile: String
    package let configFilePresent: Bool
    package let dataDirectory: String
    package let devMode: Bool
    package let imageSource: String
    package let updateCheck: String
    package let runtime: String
    package let insecureRegistries: [String]
    package let registryMirrors: [String]
    package let containers: [Container]

    package init(config: OublietteConfig, paths: OubliettePaths) {
        configFile = paths.configFile.path
        configFilePresent = config.sourceFile != nil
        dataDirectory = paths.dataDirectory.path
        devMode = config.devMode
        imageSource = config.imageSource.rawValue
        updateCheck = config.updateCheck.rawValue
        runtime = config.runtime.rawValue
        insecureRegistries = config.insecureRegistries
        registryMirrors = config.registryMirrors
        containers = config.validTypes.compactMap { config.containers[$0] }.map {
            Container(type: $0.type, image: $0.reference.description, source: $0.origin.description)
        }
    }

    enum CodingKeys: String, CodingKey {
        case configFile = "config_file", configFilePresent = "config_file_present", dataDirectory = "data_dir"
        case devMode = "dev_mode", imageSource = "image_source", updateCheck = "update_check", runtime
        case insecureRegistries = "insecure_registries", registryMirrors = "registry_mirrors", containers
    }
}
