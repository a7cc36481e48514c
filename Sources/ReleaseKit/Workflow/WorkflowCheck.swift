import Foundation
import SystemSupport

/// Compares generated files with what is on disk (`release-tool workflow --check`) and
/// writes them (temp file + rename, so a crash never leaves half a workflow).
package enum WorkflowFiles {
    package struct Drift: Sendable, Equatable {
        package let path: String
        /// Unified diff from the file on disk (`-`) to the generated content (`+`), relative
        /// to the repository root (`a/` and `b/` prefixes: apply with `git apply` or `patch -p1`).
        package let diff: String
    }

    /// Files whose content on disk differs from `files` (missing files count as drift).
    package static func check(_ files: [GeneratedFile], root: URL) -> [Drift] {
        files.compactMap { file in
            let url = root.appendingPathComponent(file.path)
            let current = try? String(contentsOf: url, encoding: .utf8)
            guard current != file.contents else { return nil }
            // A missing file is a creation: `--- /dev/null`, as git and patch expect.
            return Drift(
                path: file.path,
                diff: LineDiff.unified(
                    old: current ?? "", new: file.contents,
                    oldName: current == nil ? "/dev/null" : "a/\(file.path)",
                    newName: "b/\(file.path)"))
        }
    }

    /// Writes `files` under `root`, returning the paths that changed.
    @discardableResult
    package static func write(_ files: [GeneratedFile], root: URL) throws -> [String] {
        var changed: [String] = []
        let fileManager = FileManager.default
        for file in files {
            let url = root.appendingPathComponent(file.path)
            if (try? String(contentsOf: url, encoding: .utf8)) == file.contents { continue }
            try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
            do { try Data(file.contents.utf8).write(to: temporary) } catch {
                throw WorkflowFileError.writeFailed(path: url.path, reason: describe(error))
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

/// A unified diff of two texts, in the form `git apply` and `patch -p1` accept: `---`/`+++`
/// headers, `@@ -a,b +c,d @@` hunks with three lines of context, and `\ No newline at end
/// of file` where a side ends without one. The edit script comes from a longest-common-
/// subsequence table; workflow files are a few hundred lines, so quadratic is fine.
enum LineDiff {
    static let context = 3

    /// One line with whether a newline ended it, so "x" and "x\n" differ as they do on disk.
    struct Line: Equatable {
        let text: String
        let terminated: Bool
    }

    enum Edit: Equatable {
        case keep(old: Int, new: Int)
        case delete(old: Int)
        case insert(new: Int)

        var isChange: Bool { if case .keep = self { false } else { true } }
    }

    /// Splits on LF bytes only, so CR stays part of the line (as diff and patch see it).
    static func lines(_ text: String) -> [Line] {
        var result: [Line] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") {
                result.append(Line(text: String(decoding: current, as: UTF8.self), terminated: true))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { result.append(Line(text: String(decoding: current, as: UTF8.self), terminated: false)) }
        return result
    }

    static func edits(_ a: [Line], _ b: [Line]) -> [Edit] {
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var edits: [Edit] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                edits.append(.keep(old: i, new: j)); i += 1; j += 1
            } else if i < a.count, j == b.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                edits.append(.delete(old: i)); i += 1
            } else {
                edits.append(.insert(new: j)); j += 1
            }
        }
        return edits
    }

    /// The diff from `old` to `new`; empty when they are equal.
    static func unified(old: String, new: String, oldName: String, newName: String) -> String {
        let a = lines(old), b = lines(new)
        let edits = edits(a, b)
        let changes = edits.indices.filter { edits[$0].isChange }
        guard !changes.isEmpty else { return "" }

        // Group changes whose context would touch or overlap into one hunk each.
        var ranges: [ClosedRange<Int>] = []
        for index in changes {
            let start = max(0, index - context), end = min(edits.count - 1, index + context)
            if let last = ranges.last, start <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...max(last.upperBound, end)
            } else {
                ranges.append(start...end)
            }
        }

        // Old and new line positions before each edit, for the hunk headers.
        var oldBefore: [Int] = [], newBefore: [Int] = []
        var oldPosition = 0, newPosition = 0
        for edit in edits {
            oldBefore.append(oldPosition)
            newBefore.append(newPosition)
            switch edit {
            case .keep: oldPosition += 1; newPosition += 1
            case .delete: oldPosition += 1
            case .insert: newPosition += 1
            }
        }

        var output = ["--- \(oldName)", "+++ \(newName)"]
        for range in ranges {
            var oldCount = 0, newCount = 0
            var body: [String] = []
            func emit(_ prefix: String, _ line: Line) {
                body.append(prefix + line.text)
                if !line.terminated { body.append("\\ No newline at end of file") }
            }
            for index in range {
                switch edits[index] {
                case let .keep(old, _): emit(" ", a[old]); oldCount += 1; newCount += 1
                case let .delete(old): emit("-", a[old]); oldCount += 1
                case let .insert(new): emit("+", b[new]); newCount += 1
                }
            }
            // An empty side is addressed by the line before it (0 at the top), as diff does.
            let oldStart = oldCount == 0 ? oldBefore[range.lowerBound] : oldBefore[range.lowerBound] + 1
            let newStart = newCount == 0 ? newBefore[range.lowerBound] : newBefore[range.lowerBound] + 1
            output.append("@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@")
            output.append(contentsOf: body)
        }
        return output.joined(separator: "\n")
    }
}

package enum WorkflowFileError: Error, Equatable, Sendable, DescribedError {
    case writeFailed(path: String, reason: String)

    package var description: String {
        switch self {
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason); check that the directory is writable"
        }
    }

}
