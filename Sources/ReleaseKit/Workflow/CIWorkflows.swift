import Foundation
import Yams

/// `.github/workflows/ci.yml` (the project's own CI: `.ci/run` in the Swift image) and
/// `.github/workflows/images.yml` (the shipped Dockerfiles built natively on both platforms
/// whenever they change).
extension WorkflowGenerator {
    /// `.ci/run` installs the system packages (scripts/install-deps), builds, runs the tests
    /// against the test bed and checks the generated files. The bed runs its own dockerd and
    /// buildah as root, so the Swift image runs privileged (as docker-in-docker needs).
    package func ciWorkflow() throws -> String {
        let test = mapping([
            ("name", "Build, test and check generated files"),
            ("runs-on", Node(runner)),
            ("container", mapping([("image", Node(try swiftImage())), ("options", "--privileged")])),
            ("timeout-minutes", "45"),
            (
                "steps",
                Node([
                    try checkout(),
                    try buildCache("ci-linux-x86_64"),
                    // debootstrap's Debian rootfs and the validators' venv (keyed on the scripts that make them).
                    try step(
                        "Cache the Debian rootfs and tools venv", uses: "actions/cache",
                        with: [
                            ("path", "~/.cache/oubliette"),
                            ("key", "oubliette-cache-${{ hashFiles('scripts/debian-rootfs', 'scripts/python-tools') }}"),
                        ]),
                    try step(
                        "Run .ci/run",
                        run: "git config --global --add safe.directory \"$GITHUB_WORKSPACE\"\nbash .ci/run\n"),
                ])
            ),
        ])
        let workflow = mapping([
            ("name", "CI"),
            (
                "on",
                mapping([
                    ("push", mapping([("branches", list(["main"]))])),
                    ("pull_request", Node("", .implicit, .plain)),
                ])
            ),
            ("permissions", mapping([("contents", "read")])),
            ("concurrency", mapping([("group", "ci-${{ github.ref }}"), ("cancel-in-progress", "${{ github.event_name == 'pull_request' }}")])),
            ("jobs", mapping([("test", test)])),
        ])
        return try render(workflow)
    }

    /// Paths whose change rebuilds the shipped images: every Dockerfile's context.
    func imagePaths() throws -> [String] {
        var paths: [String] = []
        for entry in try catalogue.buildOrder() {
            let directory = (repositoryPath(entry.dockerfile) as NSString).deletingLastPathComponent
            for path in [directory.isEmpty ? repositoryPath(entry.dockerfile) : "\(directory)/**", "\(repositoryPath(entry.context))/**"] {
                if !paths.contains(path) { paths.append(path) }
            }
        }
        paths.append(Self.imagesPath)
        return paths
    }

    /// Builds the catalogue's Dockerfiles with buildah on both native runners (parents first,
    /// children FROM the parent just built) and runs the tools in the leaf images.
    package func imagesWorkflow() throws -> String {
        let ordered = try catalogue.buildOrder()
        let include = try platformRunners().map { platform in
            mapping([("platform", Node(platform.platform)), ("runner", Node(platform.runner))])
        }
        var steps: [Node] = [try checkout()]
        for entry in ordered {
            var build = "buildah build --layers --platform \"$PLATFORM\""
            if let parent = entry.parent, let parentEntry = catalogue.entry(for: parent) {
                build += " --build-arg BASE_IMAGE=localhost/\(parentEntry.imageName):ci"
            }
            build += " -f \(repositoryPath(entry.dockerfile)) -t localhost/\(entry.imageName):ci \(repositoryPath(entry.context))\n"
            steps.append(try step("Build \(entry.imageName)", env: [("PLATFORM", "${{ matrix.platform }}")], run: build))
        }
        let parents = Set(ordered.compactMap(\.parent))
        for entry in ordered where !parents.contains(entry.type) {
            steps.append(
                try step(
                    "Run the tools in \(entry.imageName) as agent",
                    run: "podman run --rm --user agent localhost/\(entry.imageName):ci "
                        + "sh -c 'id -un && git --version && cc --version && python3 --version'\n"))
        }
        let paths = try imagePaths()
        let trigger = mapping([("paths", list(paths))])
        let workflow = mapping([
            ("name", "Images"),
            (
                "on",
                mapping([
                    ("push", mapping([("branches", list(["main"])), ("paths", list(paths))])),
                    ("pull_request", trigger),
                ])
            ),
            ("permissions", mapping([("contents", "read")])),
            ("concurrency", mapping([("group", "images-${{ github.ref }}"), ("cancel-in-progress", "${{ github.event_name == 'pull_request' }}")])),
            (
                "jobs",
                mapping([
                    (
                        "build",
                        mapping([
                            ("name", "Build the shipped images for ${{ matrix.platform }}"),
                            ("runs-on", Node("${{ matrix.runner }}")),
                            ("timeout-minutes", "30"),
                            ("strategy", mapping([("fail-fast", "false"), ("matrix", mapping([("include", Node(include))]))])),
                            ("steps", Node(steps)),
                        ])
                    )
                ])
            ),
        ])
        return try render(workflow)
    }

    /// Days a new release must age before Dependabot proposes it (a compromised release is
    /// usually caught and yanked within days).
    package static let dependabotCooldownDays = 7

    /// Dependabot: the pins files (github-actions for the actions, docker for the images the
    /// jobs run in), the Swift package, and each Dockerfile's directory (docker). Workflows
    /// themselves are generated, so the bot updates the pins.
    package func dependabotConfig() throws -> String {
        func update(_ ecosystem: String, _ directory: String, group: String) -> Node {
            mapping([
                ("package-ecosystem", Node(ecosystem)),
                ("directory", Node(directory)),
                ("schedule", mapping([("interval", "weekly")])),
                ("cooldown", mapping([("default-days", Node("\(Self.dependabotCooldownDays)"))])),
                ("groups", mapping([(group, mapping([("patterns", Node([quoted("*")]))]))])),
            ])
        }
        var directories: [String] = []
        for entry in try catalogue.buildOrder() {
            let directory = "/" + (repositoryPath(entry.dockerfile) as NSString).deletingLastPathComponent
            if !directories.contains(directory) { directories.append(directory) }
        }
        let pinsDirectory = "/" + (ActionPins.path as NSString).deletingLastPathComponent
        var updates = [
            update("github-actions", pinsDirectory, group: "actions"),
            update("docker", pinsDirectory, group: "ci-images"),
            update("swift", "/", group: "swift-packages"),
        ]
        updates += directories.map { update("docker", $0, group: "base-images") }
        let config = mapping([("version", "2"), ("updates", Node(updates))])
        return try render(config)
    }
}
