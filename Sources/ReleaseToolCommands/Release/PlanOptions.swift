import ArgumentParser
import CommandSupport
import Foundation
import ReleaseKit

/// Options shared by `plan` and `publish`: what to release and how to tag it.
struct PlanOptions: ParsableArguments {
    @Option(name: .long, help: "Git repository to release from (a directory inside it is fine).")
    var repo: String = FileManager.default.currentDirectoryPath

    @Option(name: .long, help: "Catalogue file (JSONC) instead of the shipped catalogue; Dockerfile paths are relative to it.")
    var catalogue: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Publish to HOST[:PORT][/NAMESPACE] instead of the catalogue's registry; image names are kept.",
            valueName: "host[/namespace]"))
    var registry: String?

    @Option(name: .customLong("build-arg"), help: ArgumentHelp("Build argument passed to every image (repeatable).", valueName: "key=value"))
    var buildArgs: [String] = []

    @Option(name: .customLong("tag-prefix"), help: "Prefix of image tags (v gives v1.2.3).")
    var tagPrefix: String = "v"

    @Option(name: .customLong("git-tag-prefix"), help: "Prefix of release tags in git.")
    var gitTagPrefix: String = "v"

    @Option(name: .customLong("git-tag"), help: "Release this git tag (must point at HEAD); default: the highest version tag on HEAD.")
    var gitTag: String?

    @Flag(name: .customLong("minor-major-tags"), help: "Also tag vX.Y and vX when this is the newest release of that line (never v0).")
    var minorMajorTags = false

    @Flag(name: .long, help: "Allow an untagged HEAD; version 0.0.0-snapshot-<sha>, never tagged latest.")
    var snapshot = false

    @Flag(name: .customLong("allow-dirty"), help: "Allow uncommitted changes in the working tree.")
    var allowDirty = false

    @Option(name: .long, help: "org.opencontainers.image.source URL (default: the origin remote, without credentials).")
    var source: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Build only this platform (repeatable); default: every platform each catalogue entry declares (linux/amd64 and linux/arm64 unless narrowed).",
            valueName: "os/arch[/variant]"))
    var platform: [String] = []

    var inputs: ReleaseInputs {
        var inputs = ReleaseInputs(
            repositoryPath: repo,
            catalogueFile: catalogue,
            versionPolicy: VersionPolicy(gitTagPrefix: gitTagPrefix, allowSnapshot: snapshot, allowDirty: allowDirty, requestedTag: gitTag),
            tagRules: TagRules(prefix: tagPrefix, floatingMinorMajor: minorMajorTags),
            registry: registry,
            buildArguments: buildArgs,
            source: source
        )
        inputs.platforms = platform
        return inputs
    }
}
