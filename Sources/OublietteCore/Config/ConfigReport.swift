import Foundation

/// The resolved configuration as `oubliette config show --json` prints it.
public struct ConfigReport: Encodable, Sendable {
    public struct Container: Encodable, Sendable {
        public let type: String
        public let image: String
        public let source: String
    }

    public let configFile: String
    public let configFilePresent: Bool
    public let dataDirectory: String
    public let devMode: Bool
    public let imageSource: String
    public let updateCheck: String
    public let runtime: String
    public let insecureRegistries: [String]
    public let registryMirrors: [String]
    public let containers: [Container]

    public init(config: OublietteConfig, paths: OubliettePaths) {
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
