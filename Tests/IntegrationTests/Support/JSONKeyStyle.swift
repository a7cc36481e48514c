import Foundation

/// The key style of every `--json` output of both tools: snake_case. Keys of maps whose keys
/// are data (project IDs, image references) may hold anything but a camelCase hump.
enum JSONKeyStyle {
    /// Each key in `json` (parsed with JSONSerialization) with a lower-case letter or digit
    /// followed by an upper-case one (`blobsUploaded`, `apiVersion`), as a path.
    static func camelCaseKeys(in json: Any, path: String = "$") -> [String] {
        if let object = json as? [String: Any] {
            return object.keys.sorted().flatMap { key -> [String] in
                let here = "\(path).\(key)"
                let hump = key.range(of: "[a-z0-9][A-Z]", options: .regularExpression) != nil
                return (hump ? [here] : []) + camelCaseKeys(in: object[key] as Any, path: here)
            }
        }
        if let array = json as? [Any] {
            return array.enumerated().flatMap { camelCaseKeys(in: $0.element, path: "\(path)[\($0.offset)]") }
        }
        return []
    }

    /// The camelCase keys of a tool's stdout, which must be one JSON document.
    static func camelCaseKeys(inOutput stdout: Data) throws -> [String] {
        camelCaseKeys(in: try JSONSerialization.jsonObject(with: stdout, options: [.fragmentsAllowed]))
    }
}
