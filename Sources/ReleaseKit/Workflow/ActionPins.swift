import Foundation
import SystemSupport

/// The checked-in list of actions the generated workflows use (`.github/pins/action.yml`),
/// each `- uses: owner/repo[/path]@<40-hex SHA> # <version>`. It is a composite action's
/// metadata so Dependabot's github-actions updater rewrites it; the generator reads it line
/// by line (YAML parsers drop the version comment).
public struct ActionPins: Sendable, Equatable {
    public static let path = ".github/pins/action.yml"

    public struct Pin: Sendable, Equatable {
        public let action: String
        public let sha: String
        public let version: String
        /// `owner/repo@sha # version` as it goes into a workflow (the comment is added by the renderer).
        public var reference: String { "\(action)@\(sha)" }
    }

    public let pins: [String: Pin]

    public init(pins: [Pin]) {
        self.pins = Dictionary(pins.map { ($0.action, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Reads `root/.github/pins/action.yml`.
    public static func load(root: URL) throws(ActionPinsError) -> ActionPins {
        let url = root.appendingPathComponent(path)
        let text: String
        guard FileManager.default.fileExists(atPath: url.path) else { throw .absent(path: url.path) }
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try parse(text, file: path)
    }

    /// Every line containing `uses:` must be a full pin; anything else is an error with its line:column.
    public static func parse(_ text: String, file: String = path) throws(ActionPinsError) -> ActionPins {
        var pins: [Pin] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine)
            guard let usesRange = line.range(of: "uses:") else { continue }
            let before = line[..<usesRange.lowerBound].trimmingCharacters(in: .whitespaces)
            guard before.isEmpty || before == "-" else { continue }
            let column = line.distance(from: line.startIndex, to: usesRange.lowerBound) + 1
            let rest = line[usesRange.upperBound...].trimmingCharacters(in: .whitespaces)
            let parts = rest.split(separator: "#", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else {
                throw .malformed(file: file, line: index + 1, column: column, text: line, problem: "no `# vX.Y.Z` version comment")
            }
            let target = parts[0].split(separator: "@", maxSplits: 1).map(String.init)
            guard target.count == 2, target[0].split(separator: "/").count >= 2 else {
                throw .malformed(file: file, line: index + 1, column: column, text: line, problem: "expected owner/repo@sha")
            }
            let sha = target[1]
            guard sha.count == 40, sha.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw .malformed(
                    file: file, line: index + 1, column: column, text: line,
                    problem: "'\(sha)' is not a full 40-character commit SHA (tags and branches can move)")
            }
            pins.append(Pin(action: target[0], sha: sha, version: parts[1]))
        }
        guard !pins.isEmpty else { throw .empty(file: file) }
        return ActionPins(pins: pins)
    }

    /// The pin for `action`; a workflow never references an unpinned action.
    public func pin(_ action: String) throws(ActionPinsError) -> Pin {
        guard let pin = pins[action] else { throw .missing(action: action, file: Self.path) }
        return pin
    }
}

public enum ActionPinsError: Error, Equatable, Sendable, DescribedError {
    case unreadable(path: String, reason: String)
    /// The project has no pins file yet.
    case absent(path: String)
    case malformed(file: String, line: Int, column: Int, text: String, problem: String)
    case empty(file: String)
    case missing(action: String, file: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read the action pins \(path): \(reason); it lists every action the workflows use (see docs/RELEASING.md)"
        case let .absent(path):
            return "\(path) does not exist; it pins every action the generated workflows use. Create it as a composite "
                + "action whose runs.steps list `- uses: owner/repo@<full commit sha> # vX.Y.Z` lines (one per action, e.g. "
                + "actions/checkout), or copy the one in this repository's .github/pins/ (see docs/RELEASING.md)"
        case let .malformed(file, line, column, text, problem):
            return "\(file):\(line):\(column): \(problem) in `\(text.trimmingCharacters(in: .whitespaces))`; "
                + "write `- uses: owner/repo@<full commit sha> # vX.Y.Z`"
        case let .empty(file):
            return "\(file) pins no actions; add `- uses: owner/repo@<sha> # vX.Y.Z` lines under runs.steps"
        case let .missing(action, file):
            return "the workflows use \(action) but \(file) does not pin it; add `- uses: \(action)@<sha> # vX.Y.Z` "
                + "with the SHA of its release tag"
        }
    }
}
