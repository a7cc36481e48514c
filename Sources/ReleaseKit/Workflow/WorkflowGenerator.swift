import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import Yams

/// A file the generator owns, with its path relative to the repository root.
package struct GeneratedFile: Sendable, Equatable {
    package let path: String
    package let contents: String

    package init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// Where the generated CI runs: GitHub Actions (workflows + dependabot.yml) or GitLab CI.
package enum WorkflowTarget: String, Sendable, CaseIterable {
    case github, gitlab
}

/// Generates the CI files from the catalogue: `.github/workflows/{release,ci,images}.yml`,
/// `.github/dependabot.yml` and `.gitlab-ci.yml`. Built as Yams nodes (mappings keep
/// insertion order) so the output is deterministic and always valid YAML; image names come
/// from the catalogue and every `uses:` from the checked-in pins file.
package struct WorkflowGenerator: Sendable {
    package static let releasePath = ".github/workflows/release.yml"
    package static let ciPath = ".github/workflows/ci.yml"
    package static let imagesPath = ".github/workflows/images.yml"
    package static let dependabotPath = ".github/dependabot.yml"
    package static let gitlabPath = ".gitlab-ci.yml"

    package let catalogue: ImageCatalogue
    /// Catalogue file relative to the repository root, or nil for the shipped catalogue.
    package let catalogueFile: String?
    package let pins: ActionPins
    package var runner: String
    package var swiftVersion: String
    /// Builder the image jobs use: buildah, which GitHub's Ubuntu runners ship and which the
    /// end-to-end tests run, so CI takes the tested path.
    package var builder: BuilderKind

    package init(
        catalogue: ImageCatalogue, catalogueFile: String? = nil, pins: ActionPins, runner: String = "ubuntu-24.04",
        swiftVersion: String = "6.3", builder: BuilderKind = .buildah
    ) {
        self.catalogue = catalogue
        self.catalogueFile = catalogueFile
        self.pins = pins
        self.runner = runner
        self.swiftVersion = swiftVersion
        self.builder = builder
    }

    /// The official Swift image (swiftlang/swift-docker, Docker Hub `swift`) of `distribution`
    /// (noble = Ubuntu 24.04 like the runners), pinned by digest in `.github/pins/Dockerfile`.
    package func swiftImage(_ distribution: String = "noble") throws -> String {
        try pins.image("swift:\(swiftVersion)-\(distribution)")
    }

    /// Image platforms and the native runners that build them (no emulation for RUN steps).
    package static let imagePlatforms: [(platform: String, arch: String, runner: String, gitlabTag: String)] = [
        ("linux/amd64", "x86_64", "ubuntu-24.04", "saas-linux-small-amd64"),
        ("linux/arm64", "aarch64", "ubuntu-24.04-arm", "saas-linux-small-arm64"),
    ]

    /// The catalogue's image platforms with their native runners, in the table's order.
    func platformRunners() throws -> [(platform: String, arch: String, runner: String, gitlabTag: String)] {
        let wanted = Set(try catalogue.buildOrder().flatMap { $0.platforms.map(\.description) })
        for platform in wanted.sorted() where !Self.imagePlatforms.contains(where: { $0.platform == platform }) {
            throw WorkflowGeneratorError.noNativeRunner(platform: platform, known: Self.imagePlatforms.map(\.platform))
        }
        return Self.imagePlatforms.filter { wanted.contains($0.platform) }
    }

    package func files(target: WorkflowTarget? = nil) throws -> [GeneratedFile] {
        var files: [GeneratedFile] = []
        if target == nil || target == .github {
            files += [
                GeneratedFile(path: Self.releasePath, contents: try releaseWorkflow()),
                GeneratedFile(path: Self.ciPath, contents: try ciWorkflow()),
                GeneratedFile(path: Self.imagesPath, contents: try imagesWorkflow()),
                GeneratedFile(path: Self.dependabotPath, contents: try dependabotConfig()),
            ]
        }
        if target == nil || target == .gitlab {
            files.append(GeneratedFile(path: Self.gitlabPath, contents: try gitlabPipeline()))
        }
        return files
    }

    // MARK: Helpers shared by the generators

    /// `--catalogue FILE` when a catalogue file was given.
    var catalogueArgument: String { catalogueFile.map { " --catalogue \($0)" } ?? "" }

    /// A catalogue-relative path (Dockerfile, context) relative to the repository root.
    func repositoryPath(_ path: String) -> String {
        guard let catalogueFile else { return path }
        let directory = (catalogueFile as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return path }
        return path == "." ? directory : "\(directory)/\(path)"
    }

    func registries(_ entries: [ImageCatalogue.Entry]) -> [String] {
        var seen: [String] = []
        for entry in entries {
            guard let registry = try? entry.publishedReference().registry, !seen.contains(registry) else { continue }
            seen.append(registry)
        }
        return seen
    }

    /// YAML with the generated-file header; each pinned `uses:` gets its version comment
    /// (Yams cannot emit comments, so they are added to the serialized text).
    func render(_ node: Node, regenerate: String = "swift run release-tool workflow") throws -> String {
        let header =
            "# Generated by `release-tool workflow` from the image catalogue and .github/pins/action.yml.\n"
            + "# Do not edit by hand: change those, then run `\(regenerate)`.\n"
        var body = try Yams.serialize(node: node, indent: 2, width: -1, sortKeys: false)
        for pin in pins.pins.values.sorted(by: { $0.action < $1.action }) {
            body = body.replacingOccurrences(of: "uses: \(pin.reference)\n", with: "uses: \(pin.reference) # \(pin.version)\n")
        }
        return header + Self.documentingPermissions(body)
    }

    /// Why a job holds each permission, as the comment after it (zizmor's undocumented-permissions).
    static let permissionReasons: [String: String] = [
        "contents: read": "check out the repository",
        "contents: write": "create the GitHub Release",
        "packages: read": "read the published images (private GHCR packages)",
        "packages: write": "push images and their attestations to GHCR",
        "id-token: write": "OIDC token for the Sigstore certificate that signs attestations",
        "attestations: write": "store the build provenance attestations",
        "attestations: read": "read the attestations gh attestation verify checks",
        "artifact-metadata: write": "record the attested artifacts (actions/attest storage records)",
        "security-events: write": "upload SARIF to code scanning",
    ]

    /// Appends `# reason` to every entry of a `permissions:` mapping.
    static func documentingPermissions(_ yaml: String) -> String {
        var lines = yaml.components(separatedBy: "\n")
        var blockIndent: Int?
        for index in lines.indices {
            let line = lines[index]
            let indent = line.prefix(while: { $0 == " " }).count
            let content = line.trimmingCharacters(in: .whitespaces)
            if let current = blockIndent, indent > current, let reason = permissionReasons[content] {
                lines[index] = "\(line) # \(reason)"
                continue
            }
            blockIndent = content == "permissions:" ? indent : nil
        }
        return lines.joined(separator: "\n")
    }

    func mapping(_ pairs: [(String, Node)]) -> Node {
        Node(pairs.map { (Node($0.0), $0.1) })
    }

    func list(_ values: [String]) -> Node { Node(values.map { Node($0) }) }

    func quoted(_ value: String) -> Node { Node(value, .implicit, .singleQuoted) }

    /// A scalar that stays a string: `6.10` or `true` are quoted (a plain 6.10 reads as 6.1).
    func string(_ value: String) -> Node {
        let plain = Node(value)
        return Resolver.default.resolveTag(of: plain) == .str ? plain : quoted(value)
    }

    func script(_ text: String) -> Node { Node(text, .implicit, text.contains("\n") ? .literal : .any) }

    /// A step; `uses` names an action in the pins file (never a tag or branch).
    func step(
        _ name: String, id: String? = nil, if condition: String? = nil, uses action: String? = nil,
        with: [(String, String)] = [], env: [(String, String)] = [], run: String? = nil
    ) throws -> Node {
        var pairs: [(String, Node)] = [("name", Node(name))]
        if let id { pairs.append(("id", Node(id))) }
        if let condition { pairs.append(("if", Node(condition))) }
        if let action { pairs.append(("uses", Node(try pins.pin(action).reference))) }
        if !with.isEmpty { pairs.append(("with", mapping(with.map { ($0.0, Node($0.1)) }))) }
        if !env.isEmpty { pairs.append(("env", mapping(env.map { ($0.0, string($0.1)) }))) }
        if let run { pairs.append(("run", script(run))) }
        return mapping(pairs)
    }

    /// Checkout without leaving the token in .git/config; full history and tags, which
    /// release-tool reads. `ref` checks out a given tag (workflow_dispatch re-publish).
    func checkout(ref: String? = nil) throws -> Node {
        var with: [(String, String)] = []
        if let ref { with.append(("ref", ref)) }
        with += [("fetch-depth", "0"), ("fetch-tags", "true"), ("persist-credentials", "false")]
        return try step("Check out with tags", uses: "actions/checkout", with: with)
    }

    /// `.build` cached per platform and dependencies (Package.resolved is not committed, so
    /// Package.swift's pins are the key), so release-tool compiles
    /// incrementally instead of from scratch in every run.
    func buildCache(_ keyPart: String) throws -> Node {
        let prefix = "swift-\(swiftVersion)-\(keyPart)-"
        return try step(
            "Cache .build", uses: "actions/cache",
            with: [
                ("path", ".build"), ("key", "\(prefix)${{ hashFiles('Package.swift', 'Package.resolved') }}"), ("restore-keys", prefix),
            ])
    }
}
