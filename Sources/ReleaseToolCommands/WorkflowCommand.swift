import ArgumentParser
import CommandSupport
import Foundation
import OublietteCore
import ReleaseKit

struct WorkflowCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Write .github/workflows/release.yml and ci.yml from the image catalogue.",
        discussion: """
            The release workflow runs on pushed v* tags and calls `release-tool publish`; image \
            names come from the catalogue, so adding an image never means editing YAML. With \
            --check nothing is written: the command exits 1 and prints a diff when the committed \
            files are stale (.ci/run does this so drift cannot land).
            """
    )

    @Option(name: .long, help: "Repository root the workflow files live under.")
    var root: String = FileManager.default.currentDirectoryPath

    @Option(name: .long, help: "Catalogue file (relative to --root) instead of the shipped catalogue.")
    var catalogue: String?

    @Option(name: .customLong("swift-version"), help: "Swift toolchain the workflows install.")
    var swiftVersion: String = "6.3"

    @Flag(name: .long, help: "Do not write; exit 1 with a diff if the files on disk differ.")
    var check = false

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let rootURL = URL(fileURLWithPath: root)
        let loaded = try LoadedCatalogue.load(path: catalogue.map { rootURL.appendingPathComponent($0).path }, root: rootURL)
        let generator = WorkflowGenerator(catalogue: loaded.catalogue, catalogueFile: catalogue, swiftVersion: swiftVersion)
        let files = try generator.files()
        if check {
            let drift = WorkflowFiles.check(files, root: rootURL)
            guard drift.isEmpty else {
                for item in drift { Output.line(item.diff) }
                let paths = drift.map(\.path).joined(separator: ", ")
                Output.diagnostic("stale: \(paths); run `swift run release-tool workflow` and commit the result")
                throw ExitCode(1)
            }
            Output.diagnostic("workflows are up to date")
            return
        }
        let changed = try WorkflowFiles.write(files, root: rootURL)
        for file in files {
            Output.diagnostic("\(changed.contains(file.path) ? "wrote" : "unchanged") \(file.path)")
        }
    }
}
