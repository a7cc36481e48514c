import Foundation
import SystemSupport

/// Compares generated files with what is on disk (`release-tool workflow --check`) and
/// writes them (temp file + rename, so a crash never leaves half a workflow).
public enum WorkflowFiles {
    public struct Drift: Sendable, Equatable {
        public let path: String
        /// Unified-style diff from the file on disk (`-`) to the generated content (`+`).
        public let diff: String
    }

    /// Files whose content on disk differs from `files` (missing files count as drift).
    public static func check(_ files: [GeneratedFile], root: URL) -> [Drift] {
        files.compactMap { file in
            let url = root.appendingPathComponent(file.path)
            let current = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            guard current != file.contents else { return nil }
            return Drift(path: file.path, diff: LineDiff.unified(old: current, new: file.contents,
                                                                  oldName: "a/\(file.path)", newName: "b/\(file.path)"))
        }
    }

    /// Writes `files` under `root`, returning the paths that changed.
    @discardableResult
    public static func write(_ files: [GeneratedFile], root: URL) throws -> [String] {
        var changed: [String] = []
        let fileManager = FileManager.default
        for file in files {
            let url = root.appendingPathComponent(file.path)
            if (try? String(contentsOf: url, encoding: .utf8)) == file.contents { continue }
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
            do { try Data(file.contents.utf8).write(to: temporary) } catch {
                throw WorkflowFileError.writeFailed(path: url.path, reason: error.localizedDescription)
            }
            // rename(2) replaces atomically; FileManager.replaceItemAt on Linux can lose the
            // destination when it fails.
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fileManager.removeItem(at: temporary)
                throw WorkflowFileError.writeFailed(path: url.path, reason: reason)
            }
            changed.append(file.path)
        }
        return changed
    }
}

/// A small line diff (longest common subsequence) for showing workflow drift; the files
/// are a few hundred lines, so the quadratic table is fine.
enum LineDiff {
    static func unified(old: String, new: String, oldName: String, newName: String) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var lines = ["--- \(oldName)", "+++ \(newName)"]
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                i += 1; j += 1
            } else if i < a.count, j == b.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                lines.append("-\(a[i])"); i += 1
            } else {
                lines.append("+\(b[j])"); j += 1
            }
        }
        return lines.joined(separator: "\n")
    }
}

public enum WorkflowFileError: Error, Equatable, Sendable, DescribedError {
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason); check that the directory is writable"
        }
    }

}
