import ContainerRuntimes
import Foundation
import ImageCatalogue
import OCIDistribution
import SystemSupport

/// The resolved `oubliette.jsonc`: catalogue defaults, then dev-mode names, then the
/// user's entries on top. Bad input is refused with a located error, never "fixed".
package struct OublietteConfig: Sendable, Equatable {
    package struct ContainerImage: Sendable, Equatable, Encodable {
        package let type: String
        package let reference: ImageReference
        package let origin: ConfigOrigin
    }

    /// Container type → image, including catalogue types the user did not mention.
    package private(set) var containers: [String: ContainerImage]
    package var imageSource: ImageSource = .prebuilt
    package var updateCheck: UpdateCheck = .once
    package var runtime: RuntimeSelection = .auto
    /// Registries reached over plain HTTP besides localhost and 127.0.0.0/8.
    package var insecureRegistries: [String] = []
    /// Registries tried in order when a pull from the image's own registry fails.
    package var registryMirrors: [String] = []
    /// Signature verification before pulls (`"verify"`).
    package var verify = VerifyPolicy()
    /// The checkout holding `containers/<type>/Dockerfile` for local builds (`"source_dir"`),
    /// absolute; relative paths in the file are relative to the file. nil: the current directory.
    package var sourceDirectory: String?
    package let devMode: Bool
    /// The file the user settings came from, or nil when none exists yet.
    package private(set) var sourceFile: String?
    /// Per catalogue type, the catalogue's own image names (published and dev-mode local);
    /// any tag of these repositories is a catalogue image, anything else a custom image.
    package private(set) var catalogueImages: [String: [ImageReference]] = [:]

    package static let knownKeys = [
        "containers", "image_source", "update_check", "runtime", "insecure_registries", "registry_mirrors", "verify", "source_dir",
    ]

    /// Defaults only: what a fresh install uses before `oubliette init` writes a file.
    package init(catalogue: ImageCatalogue, devMode: Bool) {
        self.devMode = devMode
        self.sourceFile = nil
        var containers: [String: ContainerImage] = [:]
        var catalogueImages: [String: [ImageReference]] = [:]
        for entry in catalogue.entries {
            catalogueImages[entry.type] = [try? entry.publishedReference(), try? entry.localReference()].compactMap { $0 }
            if devMode, let local = try? entry.localReference() {
                containers[entry.type] = ContainerImage(type: entry.type, reference: local, origin: .devMode)
            } else if let published = try? entry.publishedReference() {
                containers[entry.type] = ContainerImage(type: entry.type, reference: published, origin: .catalogue)
            }
        }
        self.containers = containers
        self.catalogueImages = catalogueImages
    }

    /// Parses `text` (JSONC) on top of the catalogue defaults.
    package init(parsing text: String, file: String, catalogue: ImageCatalogue, devMode: Bool) throws(ConfigError) {
        self.init(catalogue: catalogue, devMode: devMode)
        sourceFile = file
        let document: JSONCValue
        do { document = try JSONCParser.parse(text, file: file) } catch { throw .syntax(error) }
        guard let members = document.members else {
            throw .wrongType(file: file, location: document.location, key: "(top level)", expected: "an object", found: document.typeName)
        }
        for member in members {
            try apply(member, file: file)
        }
    }

    /// Every problem in `text`, not only the first (what `config check` prints): each
    /// top-level key and each container entry is checked on its own.
    package static func problems(parsing text: String, file: String, catalogue: ImageCatalogue = .shipped, devMode: Bool = false) -> [ConfigError] {
        let document: JSONCValue
        do { document = try JSONCParser.parse(text, file: file) } catch { return [.syntax(error)] }
        guard let members = document.members else {
            return [.wrongType(file: file, location: document.location, key: "(top level)", expected: "an object", found: document.typeName)]
        }
        var config = OublietteConfig(catalogue: catalogue, devMode: devMode)
        var problems: [ConfigError] = []
        for member in members {
            if member.key == "containers", let entries = member.value.members {
                // One entry per check, so one bad image reference does not hide the next.
                for entry in entries {
                    let single = JSONCValue.Member(
                        key: member.key, keyLocation: member.keyLocation, value: JSONCValue(kind: .object([entry]), location: member.value.location))
                    do { try config.apply(single, file: file) } catch { problems.append(error) }
                }
                continue
            }
            do { try config.apply(member, file: file) } catch { problems.append(error) }
        }
        return problems
    }

    /// Reads the config file at `paths.configFile`; a missing file means defaults.
    package static func load(
        paths: OubliettePaths = .resolve(), catalogue: ImageCatalogue = .shipped,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> OublietteConfig {
        let devMode = ["1", "true", "yes"].contains(environment["OUBLIETTE_DEV"]?.lowercased() ?? "")
        let path = paths.configFile.path
        guard FileManager.default.fileExists(atPath: path) else {
            // A file named on purpose that is not there is a mistake, not "use the defaults".
            if let named = environment[OubliettePaths.configVariable], !named.isEmpty { throw .namedFileMissing(path: path) }
            return OublietteConfig(catalogue: catalogue, devMode: devMode)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unreadable(
                path: path,
                reason: "it is a directory, not a file; the config is a JSONC file (create it with `oubliette init`, or point OUBLIETTE_CONFIG at one)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied for this user; make it readable (e.g. chmod u+r) or run as its owner")
        }
        let text: String
        do { text = try String(contentsOf: paths.configFile, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: describe(error))
        }
        return try OublietteConfig(parsing: text, file: path, catalogue: catalogue, devMode: devMode)
    }

    // MARK: Type resolution

    /// Valid container types, sorted.
    package var validTypes: [String] { containers.keys.sorted() }

    package func isValidType(_ type: String) -> Bool { containers[type] != nil }

    package func imageReference(for type: String) throws(ConfigError) -> ImageReference {
        guard let image = containers[type] else { throw .unknownContainerType(type, valid: validTypes) }
        return image.reference
    }

    /// Whether `type`'s image is the catalogue's own (any tag of its repository). Custom
    /// images are not version-checked: their version label is not oubliette's.
    package func isCatalogueImage(_ type: String) -> Bool {
        guard let reference = containers[type]?.reference else { return false }
        return catalogueImages[type, default: []].contains {
            $0.registry == reference.registry && $0.repositoryName == reference.repositoryName
        }
    }

    // MARK: Parsing

    private mutating func apply(_ member: JSONCValue.Member, file: String) throws(ConfigError) {
        let value = member.value
        switch member.key {
        case "containers":
            guard let entries = value.members else { throw wrongType(member, "an object of type → image reference", file) }
            for entry in entries {
                guard Self.isValidTypeName(entry.key) else {
                    throw .invalidTypeName(file: file, location: entry.keyLocation, type: entry.key)
                }
                guard let text = entry.value.stringValue else {
                    throw .wrongType(
                        file: file, location: entry.value.location, key: "containers.\(entry.key)",
                        expected: "an image reference string", found: entry.value.typeName)
                }
                let reference: ImageReference
                do { reference = try ImageReference(parsing: text) } catch {
                    throw .invalidReference(file: file, location: entry.value.location, type: entry.key, reason: error.description)
                }
                containers[entry.key] = ContainerImage(
                    type: entry.key, reference: reference,
                    origin: .userConfig(file: file, line: entry.keyLocation.line))
            }
        case "image_source":
            imageSource = try Self.enumValue(member, file: file)
        case "update_check":
            updateCheck = try Self.enumValue(member, file: file)
        case "runtime":
            runtime = try Self.enumValue(member, file: file)
        case "insecure_registries":
            insecureRegistries = try Self.stringArray(member, file: file)
        case "registry_mirrors":
            registryMirrors = try Self.stringArray(member, file: file)
        case "verify":
            verify = try VerifyPolicy(parsing: value, file: file)
        case "source_dir":
            guard let path = value.stringValue, !path.isEmpty else { throw wrongType(member, "a directory path", file) }
            let base = URL(fileURLWithPath: file).deletingLastPathComponent()
            if path.hasPrefix("~/") {
                sourceDirectory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2))).path
            } else {
                sourceDirectory = path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
            }
        default:
            throw .unknownKey(
                file: file, location: member.keyLocation, key: member.key, section: "the top level",
                suggestion: KeySuggestion.nearest(to: member.key, among: Self.knownKeys), known: Self.knownKeys)
        }
    }

    private func wrongType(_ member: JSONCValue.Member, _ expected: String, _ file: String) -> ConfigError {
        .wrongType(file: file, location: member.value.location, key: member.key, expected: expected, found: member.value.typeName)
    }

    private static func enumValue<T: RawRepresentable & CaseIterable>(_ member: JSONCValue.Member, file: String) throws(ConfigError) -> T
    where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue)
        guard let text = member.value.stringValue else {
            throw .wrongType(
                file: file, location: member.value.location, key: member.key,
                expected: "one of \(allowed.joined(separator: ", "))", found: member.value.typeName)
        }
        guard let value = T(rawValue: text) else {
            throw .invalidValue(file: file, location: member.value.location, key: member.key, value: text, allowed: allowed)
        }
        return value
    }

    private static func stringArray(_ member: JSONCValue.Member, file: String) throws(ConfigError) -> [String] {
        guard let items = member.value.arrayValue else {
            throw .wrongType(
                file: file, location: member.value.location, key: member.key,
                expected: "an array of strings", found: member.value.typeName)
        }
        var strings: [String] = []
        for item in items {
            guard let text = item.stringValue else {
                throw .wrongType(
                    file: file, location: item.location, key: member.key,
                    expected: "an array of strings", found: "an element that is \(item.typeName)")
            }
            strings.append(text)
        }
        return strings
    }

    static func isValidTypeName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
