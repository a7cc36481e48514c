import ArgumentParser
import CommandSupport
import Foundation
import ImageCatalogue
import ReleaseKit

extension WorkflowTarget: ExpressibleByArgument {}

struct WorkflowCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Write the CI files (GitHub workflows, dependabot.yml, .gitlab-ci.yml) from the image catalogue.",
        discussion: """
            Writes .github/workflows/release.yml, ci.yml and images.yml and .github/dependabot.yml \
            (--target github) and .gitlab-ci.yml (--target gitlab); both without --target. The \
            release pipelines run on pushed v* tags and call `release-tool publish`; image names \
            come from the catalogue and every action is pinned to the commit SHA listed in \
            .github/pins/action.yml, so adding an image or updating a pin never means editing \
            YAML. With --check nothing is written: the command exits 3 and prints a diff when \
            any generated file is stale (.ci/run does this so drift cannot land).
            """
    )

    @Option(name: .long, help: "Repository root the generated files live under.")
    var root: String = FileManager.default.currentDirectoryPath

    @Option(name: .long, help: "Catalogue file (relative to --root) instead of the shipped catalogue.")
    var catalogue: String?

    @Option(name: .customLong("swift-version"), help: "Swift toolchain the pipelines use (the swift:<version>-noble image).")
    var swiftVersion: String = "6.3"

    @Option(name: .long, help: "Only this CI system's files: github or gitlab (default: both).")
    var target: WorkflowTarget?

    @Flag(name: .long, help: "Do not write; exit 3 with a diff if the files on disk differ.")
    var check = false

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let rootURL = URL(fileURLWithPath: root)
        let loaded = try LoadedCatalogue.load(path: catalogue.map { rootURL.appendingPathComponent($0).path }, root: rootURL)
        let pins = try ActionPins.load(root: rootURL)
        let generator = WorkflowGenerator(catalogue: loaded.catalogue, catalogueFile: catalogue, pins: pins, swiftVersion: swiftVersion)
        let files = try generator.files(target: target)
        if check {
            let drift = WorkflowFiles.check(files, root: rootURL)
            guard drift.isEmpty else {
                for item in drift { Output.line(item.diff) }
                let paths = drift.map(\.path).joined(separator: ", ")
                Output.diagnostic("stale: \(paths); run `swift run release-tool workflow` and commit the result")
                throw ExitStatus.gateFailed
            }
            Output.diagnostic("generated files are up to date: \(files.map(\.path).joined(separator: ", "))")
            return
        }
        let changed = try WorkflowFiles.write(files, root: rootURL)
        for file in files {
            Output.diagnostic("\(changed.contains(file.path) ? "wrote" : "unchanged") \(file.path)")
        }
    }
}
