import Foundation
import ImageCatalogue
import OCIDistribution

/// Everything `plan` and `publish` read before building: where the repository and the
/// catalogue are, and the versioning and tagging choices.
package struct ReleaseInputs: Sendable {
    /// Git repository (or a directory inside one).
    package var repositoryPath: String
    /// Catalogue file; nil means the shipped catalogue with paths relative to the repository root.
    package var catalogueFile: String?
    package var versionPolicy: VersionPolicy
    package var tagRules: TagRules
    /// `--registry HOST[/NAMESPACE]`.
    package var registry: String?
    /// `--build-arg KEY=VALUE` values.
    package var buildArguments: [String]
    /// `org.opencontainers.image.source`; nil derives it from the `origin` remote.
    package var source: String?
    /// `--platform OS/ARCH` values: build only these; empty builds every declared platform.
    package var platforms: [String] = []

    package init(
        repositoryPath: String, catalogueFile: String? = nil, versionPolicy: VersionPolicy = VersionPolicy(),
        tagRules: TagRules = TagRules(), registry: String? = nil, buildArguments: [String] = [], source: String? = nil
    ) {
        self.repositoryPath = repositoryPath
        self.catalogueFile = catalogueFile
        self.versionPolicy = versionPolicy
        self.tagRules = tagRules
        self.registry = registry
        self.buildArguments = buildArguments
        self.source = source
    }

    /// Reads git and the catalogue and returns the plan.
    package func plan() throws -> ReleasePlan {
        let state = try RepositoryState.read(at: repositoryPath)
        let version = try ReleaseVersion.resolve(state, policy: versionPolicy)
        let loaded = try LoadedCatalogue.load(path: catalogueFile, root: URL(fileURLWithPath: state.workingDirectory))
        let planner = ReleasePlanner(
            tagRules: tagRules,
            registry: try registry.map { value throws(ReleasePlanError) in try RegistryOverride(parsing: value) },
            buildArguments: try ReleasePlanner.parseBuildArguments(buildArguments),
            source: source ?? state.originURL.flatMap(SourceURL.normalize),
            onlyPlatforms: platforms.isEmpty
                ? nil
                : try platforms.map { text throws(ReleasePlanError) in
                    do throws(PlatformError) { return try Platform(parsing: text) } catch { throw .invalidPlatform(text, reason: error.description) }
                }
        )
        return try planner.plan(loaded, version: version)
    }
}
