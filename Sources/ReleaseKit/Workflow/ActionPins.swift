import Foundation
import SystemSupport

/// The checked-in list of actions the generated workflows use (`.github/pins/action.yml`),
/// each `- uses: owner/repo[/path]@<40-hex SHA> # <version>`. It is a composite action's
/// metadata so Dependabot's github-actions updater rewrites it; the generator reads it line
/// by line (YAML parsers drop the version comment).
package struct ActionPins: Sendable, Equatable {
    package static let path = ".github/pins/action.yml"

    package struct Pin: Sendable, Equatable {
        package let action: String
        package let sha: String
        package let version: String
        /// `owner/repo@sha # version` as it goes into a workflow (the comment is added by the renderer).
        package var reference: String { "\(action)@\(sha)" }
    }

    /// The container images the jobs run in (`.github/pins/Dockerfile`): a Dockerfile so
    /// Dependabot's docker updater moves the digests; `FROM name:tag@sha256:… AS alias` lines.
    package static let imagesPath = ".github/pins/Dockerfile"

    package let pins: [String: Pin]
    /// `name:tag` (as written, e.g. `swift:6.3-noble`) → `name:tag@sha256:…`.
    package let images: [String: String]

    package init(pins: [Pin], images: [String: String] = [:]) {
        self.pins = Dictionary(pins.map { ($0.action, $0) }, uniquingKeysWith: { _, last in last })
        self.images = images
    }

    /// Reads `root/.github/pins/action.yml` and `root/.github/pins/Dockerfile`.
    package static func load(root: URL) throws(ActionPinsError) -> ActionPins {
        func read(_ relative: String) throws(ActionPinsError) -> String {
            let url = root.appendingPathComponent(relative)
            guard FileManager.default.fileExists(atPath: url.path) else { throw .absent(path: url.path) }
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                throw .unreadable(path: url.path, reason: describe(error))
            }
        }
        let actions = try parse(try read(path), file: path)
        return ActionPins(pins: Array(actions.pins.values), images: try parseImages(try read(imagesPath), file: imagesPath))
    }

    /// Every `FROM` line must name `image:tag@sha256:<64 hex>`; the `docker.io/library/` prefix is dropped.
    package static func parseImages(_ text: String, file: String = imagesPath) throws(ActionPinsError) -> [String: String] {
        var images: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.first?.uppercased() == "FROM", words.count >= 2 else { continue }
            var reference = words[1]
            for prefix in ["docker.io/library/", "docker.io/"] where reference.hasPrefix(prefix) {
                reference.removeFirst(prefix.count)
            }
            let parts = reference.split(separator: "@", maxSplits: 1).map(String.init)
            let digest = parts.count == 2 ? parts[1] : ""
            guard digest.hasPrefix("sha256:"), digest.count == 71, digest.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw .unpinnedImage(file: file, line: index + 1, text: String(rawLine))
            }
            images[parts[0]] = reference
        }
        return images
    }

    /// The pinned reference of `image` (`swift:6.3-noble`); a workflow never runs an unpinned image.
    package func image(_ image: String) throws(ActionPinsError) -> String {
        guard let pinned = images[image] else { throw .missingImage(image: image, file: Self.imagesPath) }
        return pinned
    }

    /// Every line containing `uses:` must be a full pin; anything else is an error with its line:column.
    package static func parse(_ text: String, file: String = path) throws(ActionPinsError) -> ActionPins {
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
    package func pin(_ action: String) throws(ActionPinsError) -> Pin {
        guard let pin = pins[action] else { throw .missing(action: action, file: Self.path) }
        return pin
    }
}

package enum ActionPinsError: Error, Equatable, Sendable, DescribedError {
    case unreadable(path: String, reason: String)
    /// The project has no pins file yet.
    case absent(path: String)
    case malformed(file: String, line: Int, column: Int, text: String, problem: String)
    case empty(file: String)
    case missing(action: String, file: String)
    case missingImage(image: String, file: String)
    case unpinnedImage(file: String, line: Int, text: String)

    package var description: String {
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
        case let .unpinnedImage(file, line, text):
            return "\(file):\(line): `\(text.trimmingCharacters(in: .whitespaces))` is not pinned by digest (tags move); "
                + "write `FROM docker.io/library/NAME:TAG@sha256:<index digest> AS <name>`"
        case let .missingImage(image, file):
            return "the workflows run in \(image) but \(file) does not pin it; add `FROM docker.io/library/\(image)@sha256:<index digest> AS <name>`"
        }
    }
}
