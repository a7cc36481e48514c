import ArgumentParser
import CommandSupport
import Foundation
import ReleaseKit

struct VersionCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the release version git describes, and the image tags it would get.",
        discussion: "Applies the same rules as publish: HEAD must carry a vX.Y.Z tag unless --snapshot, and the tree must be clean unless --allow-dirty."
    )

    @OptionGroup var options: PlanOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let inputs = options.inputs
        let state = try RepositoryState.read(at: inputs.repositoryPath)
        let version = try ReleaseVersion.resolve(state, policy: inputs.versionPolicy)
        let tags = version.imageTags(inputs.tagRules)
        if json {
            struct Report: Encodable {
                let version: String, gitTag: String?, snapshot: Bool, revision: String, created: String
                let highestRelease: String?, tags: [String], dirty: [String]
            }
            let report = Report(
                version: version.version.description, gitTag: version.gitTag, snapshot: version.isSnapshot,
                revision: version.revision, created: ReleasePlanner.timestamp(version.created),
                highestRelease: version.highestRelease?.description, tags: tags, dirty: state.dirtyPaths)
            try Output.json(report)
            return
        }
        Output.line(version.version.description)
        Output.standardError(
            """
            git tag:  \(version.gitTag ?? "none (snapshot)")
            revision: \(version.revision)
            created:  \(ReleasePlanner.timestamp(version.created))
            highest release in repository: \(version.highestRelease?.description ?? "none")
            image tags: \(tags.joined(separator: ", "))

            """)
    }
}
