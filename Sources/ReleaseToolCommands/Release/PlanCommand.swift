import ArgumentParser
import CommandSupport
import Foundation
import ReleaseKit

struct PlanCommand: LoggedCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what publish would build and push (same as publish --dry-run).",
        discussion: """
            Reads the version from git (HEAD's vX.Y.Z tag) and the image catalogue, and prints \
            the images in build order with their tags, build arguments and OCI labels. Values that \
            depend on a parent's pushed digest (BASE_IMAGE, base.digest) are shown as placeholders. \
            Needs no builder and no registry.
            """
    )

    @OptionGroup var options: PlanOptions

    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func execute() async throws {
        let plan = try options.inputs.plan()
        if json { try Output.json(plan) } else { Output.line(plan.renderedTable) }
    }
}
