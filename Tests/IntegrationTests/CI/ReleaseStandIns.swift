import Foundation

/// One `github/codeql-action/upload-sarif` call as the action sees it: the runs of the file
/// (or of every `.sarif` file in the directory) and the category.
struct SarifUpload {
    let path: String
    let category: String?
    let runs: [[String: Any]]

    init(path: String, category: String?, runs: [[String: Any]]) {
        self.path = path
        self.category = category
        self.runs = runs
    }

    init(path: String, category: String?) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        let files =
            isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sarif") }.sorted().map { url.appendingPathComponent($0) }
            : [url]
        var runs: [[String: Any]] = []
        for file in files {
            let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: file)) as? [String: Any]
            guard json?["version"] as? String == "2.1.0", let fileRuns = json?["runs"] as? [[String: Any]] else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file.path])
            }
            runs += fileRuns
        }
        self.init(path: path, category: category, runs: runs)
    }

    /// codeql-action's run key (`createRunKey` in upload-lib): the tool driver's name,
    /// fullName, version, semanticVersion and guid, and the run's automationDetails.id —
    /// which `populateRunAutomationDetails` fills from the upload's category where unset.
    func key(_ run: [String: Any]) -> String {
        let driver = (run["tool"] as? [String: Any])?["driver"] as? [String: Any] ?? [:]
        let automation = ((run["automationDetails"] as? [String: Any])?["id"] as? String) ?? category.map { $0.hasSuffix("/") ? $0 : "\($0)/" }
        let parts = ["name", "fullName", "version", "semanticVersion", "guid"].map { "\(driver[$0] ?? "-")" }
        return (parts + [automation ?? "-"]).joined(separator: "|")
    }

    /// What codeql-action and code scanning would refuse or lose: two runs with one key in one
    /// upload (`areAllRunsUnique` fails the upload), or two uploads of one tool under one
    /// category (code scanning keeps one analysis per tool and category: the later replaces the earlier).
    static func violations(_ uploads: [SarifUpload]) -> [String] {
        var problems: [String] = []
        var owners: [String: String] = [:]
        for upload in uploads {
            var seen = Set<String>()
            for run in upload.runs {
                let key = upload.key(run)
                if !seen.insert(key).inserted {
                    problems.append("\(upload.path): several runs share the key \(key); codeql-action refuses the upload")
                }
                let tool = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["name"] as? String ?? "-"
                let slot = "\(tool) in category \(upload.category ?? "(none)")"
                if let owner = owners[slot], owner != upload.path {
                    problems.append("\(owner) and \(upload.path) both upload \(slot); the later analysis replaces the earlier")
                }
                owners[slot] = upload.path
            }
        }
        return problems
    }
}

/// A stand-in for the `gh` CLI the release jobs call, keeping releases in a directory:
/// `release create` (assets after `--`; a `--draft` release is not downloadable),
/// `release edit` (`--draft=false`, `--latest=`), `release download --dir`. Every call is
/// logged; anything else fails, so a workflow calling more cannot pass unnoticed.
struct FakeGitHubCLI {
    let directory: URL
    var bin: URL { directory.appendingPathComponent("bin") }

    static let script = """
        #!/bin/bash
        set -euo pipefail
        printf '%s\\n' "$*" >> "$FAKE_GH_DIR/calls.log"
        releases="$FAKE_GH_DIR/releases"
        case "${1:-} ${2:-}" in
          "release create")
            dir="$releases/$3"; mkdir -p "$dir"; assets=0
            for argument in "${@:4}"; do
              if [ "$assets" = 1 ]; then cp -- "$argument" "$dir/"; fi
              if [ "$argument" = -- ]; then assets=1; fi
              if [ "$argument" = --draft ]; then touch "$dir/.draft"; fi
            done ;;
          "release edit")
            dir="$releases/$3"; [ -d "$dir" ] || { echo "release not found" >&2; exit 1; }
            for argument in "${@:4}"; do
              case "$argument" in
                --draft=false) rm -f "$dir/.draft" ;;
                --latest=*) printf '%s\\n' "${argument#--latest=}" > "$dir/.latest" ;;
              esac
            done ;;
          "release download")
            dir="$releases/$3"; target=.
            set -- "${@:4}"
            while (( $# )); do case "$1" in --dir) target=$2; shift 2 ;; *) shift ;; esac; done
            [ -d "$dir" ] && [ ! -e "$dir/.draft" ] || { echo "release not found" >&2; exit 1; }
            cp -- "$dir"/* "$target/" ;;
          *) echo "fake gh: unsupported call: $*" >&2; exit 1 ;;
        esac

        """

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("releases"), withIntermediateDirectories: true)
        let gh = directory.appendingPathComponent("bin/gh")
        try Data(Self.script.utf8).write(to: gh)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: gh.path)
    }

    func calls() throws -> [String] {
        let log = directory.appendingPathComponent("calls.log")
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func assets(tag: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("releases/\(tag)").path).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    /// Changes one byte's worth of an asset, as a compromised or truncated upload would.
    func tamper(tag: String, asset: String) throws {
        let handle = try FileHandle(forWritingTo: directory.appendingPathComponent("releases/\(tag)/\(asset)"))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x0a]))
    }
}
