import Foundation

/// `"verify"` in oubliette.jsonc: whether images must carry a cosign signature by one of the
/// pinned public keys before they are pulled.
///
/// ```jsonc
/// "verify": {
///   "mode": "enforce",                     // enforce | warn | off
///   "keys": ["keys/oubliette-cosign.pub"],  // relative to the config file; ~ expands
///   "containers": { "dev": { "mode": "warn" } }   // per container type, same keys
/// }
/// ```
/// Without `"mode"`, keys mean `enforce` and no keys mean `off`.
public struct VerifyPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable, CaseIterable, Codable {
        case enforce, warn, off
    }

    public struct Rule: Sendable, Equatable {
        public var mode: Mode?
        public var keys: [String]?
    }

    public var global = Rule()
    public var containers: [String: Rule] = [:]

    public init() {}

    /// The mode and key paths for `type`: the type's rule over the global one.
    public func effective(for type: String) -> (mode: Mode, keys: [String]) {
        let rule = containers[type]
        let keys = rule?.keys ?? global.keys ?? []
        let mode = rule?.mode ?? global.mode ?? (keys.isEmpty ? .off : .enforce)
        return (mode, keys)
    }

    static let knownKeys = ["mode", "keys", "containers"]

    init(parsing value: JSONCValue, file: String) throws(ConfigError) {
        global = try Self.rule(value, path: "verify", file: file, allowContainers: true)
        for member in value.members ?? [] where member.key == "containers" {
            guard let entries = member.value.members else {
                throw .wrongType(
                    file: file, location: member.value.location, key: "verify.containers", expected: "an object of type → {mode, keys}",
                    found: member.value.typeName)
            }
            for entry in entries {
                let rule = try Self.rule(entry.value, path: "verify.containers.\(entry.key)", file: file, allowContainers: false)
                // `{"keys": []}` without a mode would mean "off" for this type while the global
                // section enforces: a silent hole, so it is refused (say "mode": "off" to mean it).
                if rule.mode == nil, rule.keys?.isEmpty == true, (global.mode ?? ((global.keys ?? []).isEmpty ? .off : .enforce)) == .enforce {
                    let location = entry.value.members?.first { $0.key == "keys" }?.value.location ?? entry.value.location
                    throw .invalidValue(
                        file: file, location: location, key: "verify.containers.\(entry.key).keys", value: "[]",
                        allowed: [
                            "at least one public key path (the global section enforces; an empty list would switch '\(entry.key)' off — write \"mode\": \"off\" if that is meant)"
                        ])
                }
                containers[entry.key] = rule
            }
        }
        // "enforce" with no key anywhere would refuse every image: say so now, not at pull time.
        // A type's rule may take its keys from the global one.
        let enforcedWithoutKeys =
            (global.mode == .enforce && (global.keys ?? []).isEmpty ? [("verify", value)] : [])
            + containers.sorted { $0.key < $1.key }.compactMap { type, rule -> (String, JSONCValue)? in
                guard (rule.mode ?? global.mode) == .enforce, (rule.keys ?? global.keys ?? []).isEmpty else { return nil }
                let entry = value.members?.first { $0.key == "containers" }?.value.members?.first { $0.key == type }?.value
                return ("verify.containers.\(type)", entry ?? value)
            }
        if let (path, located) = enforcedWithoutKeys.first {
            throw .invalidValue(
                file: file, location: located.location, key: "\(path).keys", value: "(none)",
                allowed: ["at least one public key path (\"mode\": \"enforce\" with no keys would refuse every image)"])
        }
        // Relative key paths are relative to the config file, as a user reading it expects.
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolve(_ path: String) -> String {
            if path.hasPrefix("~/") { return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2))).path }
            return path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
        }
        global.keys = global.keys?.map(resolve)
        for (type, rule) in containers { containers[type]?.keys = rule.keys?.map(resolve) }
    }

    private static func rule(_ value: JSONCValue, path: String, file: String, allowContainers: Bool) throws(ConfigError) -> Rule {
        guard let members = value.members else {
            throw .wrongType(file: file, location: value.location, key: path, expected: "an object with \"mode\" and \"keys\"", found: value.typeName)
        }
        var rule = Rule()
        for member in members {
            switch member.key {
            case "mode":
                let allowed = Mode.allCases.map(\.rawValue)
                guard let text = member.value.stringValue else {
                    throw .wrongType(
                        file: file, location: member.value.location, key: "\(path).mode", expected: "one of \(allowed.joined(separator: ", "))",
                        found: member.value.typeName)
                }
                guard let mode = Mode(rawValue: text) else {
                    throw .invalidValue(file: file, location: member.value.location, key: "\(path).mode", value: text, allowed: allowed)
                }
                rule.mode = mode
            case "keys":
                guard let items = member.value.arrayValue else {
                    throw .wrongType(
                        file: file, location: member.value.location, key: "\(path).keys", expected: "an array of public key paths",
                        found: member.value.typeName)
                }
                var keys: [String] = []
                for item in items {
                    guard let text = item.stringValue, !text.isEmpty else {
                        throw .wrongType(
                            file: file, location: item.location, key: "\(path).keys", expected: "an array of public key paths",
                            found: "an element that is \(item.typeName)")
                    }
                    keys.append(text)
                }
                rule.keys = keys
            case "containers" where allowContainers:
                continue
            default:
                let known = allowContainers ? knownKeys : ["mode", "keys"]
                throw .unknownKey(
                    file: file, location: member.keyLocation, key: member.key, section: "\"\(path)\"",
                    suggestion: KeySuggestion.nearest(to: member.key, among: known), known: known)
            }
        }
        if rule.mode == .enforce, rule.keys?.isEmpty == true {
            throw .invalidValue(
                file: file, location: value.location, key: "\(path).keys", value: "[]",
                allowed: ["at least one public key path (enforce with no keys would refuse every image)"])
        }
        return rule
    }
}
