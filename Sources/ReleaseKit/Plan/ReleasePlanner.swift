import Foundation
import ImageCatalogue
import OCIDistribution

/// Turns the catalogue and a release version into an ordered `ReleasePlan`. Pure: reads
/// nothing but the file system checks for Dockerfiles and contexts (which can be off).
package struct ReleasePlanner: Sendable {
    package static let baseImageArgument = "BASE_IMAGE"

    package var tagRules: TagRules
    package var registry: RegistryOverride?
    /// Extra build args passed to every image (`--build-arg`); the plan's own `BASE_IMAGE`
    /// wins for images that have a parent.
    package var buildArguments: [String: String]
    /// `org.opencontainers.image.source`; omitted when unknown.
    package var source: String?
    /// Check that each Dockerfile and context exists (off for tests of pure planning).
    package var checkFiles: Bool
    /// `--platform`: build only these platforms (of those each image declares); nil builds all.
    package var onlyPlatforms: [Platform]?

    package init(
        tagRules: TagRules = TagRules(), registry: RegistryOverride? = nil, buildArguments: [String: String] = [:],
        source: String? = nil, checkFiles: Bool = true, onlyPlatforms: [Platform]? = nil
    ) {
        self.onlyPlatforms = onlyPlatforms
        self.tagRules = tagRules
        self.registry = registry
        self.buildArguments = buildArguments
        self.source = source
        self.checkFiles = checkFiles
    }

    /// Parses repeated `KEY=VALUE` options.
    package static func parseBuildArguments(_ values: [String]) throws(ReleasePlanError) -> [String: String] {
        var result: [String: String] = [:]
        for value in values {
            guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                throw .invalidBuildArgument(value)
            }
            result[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return result
    }

    package func plan(_ loaded: LoadedCatalogue, version: ReleaseVersion) throws(ReleasePlanError) -> ReleasePlan {
        let ordered: [ImageCatalogue.Entry]
        do { ordered = try loaded.catalogue.buildOrder() } catch { throw .catalogue(error) }

        let tags = version.imageTags(tagRules)
        var repositories: [String: String] = [:]
        var images: [PlannedImage] = []
        for entry in ordered {
            let repository = registry?.repository(for: entry) ?? entry.repository
            do { _ = try ImageReference(parsing: repository) } catch {
                throw .invalidRepository(type: entry.type, repository: repository, reason: error.description)
            }
            for tag in tags where !ImageReference.isValidTag(tag) { throw .invalidTag(type: entry.type, tag: tag) }
            repositories[entry.type] = repository

            let dockerfile = loaded.dockerfileURL(for: entry).standardizedFileURL.path
            let context = loaded.contextURL(for: entry).standardizedFileURL.path
            if checkFiles {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: dockerfile) else {
                    throw .missingDockerfile(type: entry.type, path: dockerfile)
                }
                guard FileManager.default.fileExists(atPath: context, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw .missingContext(type: entry.type, path: context)
                }
            }

            var arguments = buildArguments.mapValues { PlanValue.literal($0) }
            var labels: [String: PlanValue] = [
                "org.opencontainers.image.title": .literal(entry.imageName),
                "org.opencontainers.image.description": .literal(entry.summary),
                "org.opencontainers.image.version": .literal(version.version.description),
                "org.opencontainers.image.revision": .literal(version.revision),
                "org.opencontainers.image.created": .literal(Self.timestamp(version.created)),
            ]
            if let source { labels["org.opencontainers.image.source"] = .literal(source) }
            if let parent = entry.parent, let parentRepository = repositories[parent] {
                arguments[Self.baseImageArgument] = .parentDigestReference(parent: parent, repository: parentRepository)
                labels["org.opencontainers.image.base.digest"] = .parentDigest(parent: parent)
                labels["org.opencontainers.image.base.name"] = .literal("\(parentRepository):\(tags[0])")
            }
            images.append(
                PlannedImage(
                    type: entry.type, repository: repository, dockerfile: dockerfile, context: context, parent: entry.parent,
                    tags: tags,
                    buildArgs: arguments.sorted { $0.key < $1.key }.map { PlanSetting($0.key, $0.value) },
                    labels: labels.sorted { $0.key < $1.key }.map { PlanSetting($0.key, $0.value) },
                    platforms: onlyPlatforms.map { only in entry.platforms.filter { only.contains($0) } } ?? entry.platforms
                ))
        }
        if let onlyPlatforms {
            let declared = Set(ordered.flatMap(\.platforms))
            if let unknown = onlyPlatforms.first(where: { !declared.contains($0) }) {
                throw .platformNotInCatalogue(unknown.description, declared: ordered.flatMap(\.platforms).map(\.description))
            }
            images = images.filter { !$0.platforms.isEmpty }
        }
        return ReleasePlan(version: version, images: images)
    }

    /// RFC 3339 in UTC, second precision, as the OCI annotation spec asks.
    package static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
