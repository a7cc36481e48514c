import Foundation
import ImageCatalogue
import OCIDistribution
import SigstoreVerification
import SystemSupport

/// `"verify"` in oubliette.jsonc: whether images must carry a signature before they are
/// pulled — a cosign signature by one of the pinned public keys, or a keyless Sigstore
/// bundle by one of the signer identities.
///
/// ```jsonc
/// "verify": {
///   "mode": "enforce",                     // enforce | warn | off
///   "keys": ["keys/oubliette-cosign.pub"],  // relative to the config file; ~ expands
///   "identities": [{ "issuer": "https://token.actions.githubusercontent.com",
///                    "subject_pattern": "https://github\\.com/me/img/\\.github/workflows/release\\.yml@refs/tags/v.*",
///                    "repository": "me/img", "ref": "refs/tags/v*" }],
///   "trusted_root": "sigstore/trusted_root.json",  // default: the shipped public-good root
///   "containers": { "dev": { "mode": "warn" } }   // per container type: mode, keys, identities
/// }
/// ```
/// Without `"mode"`, keys or identities mean `enforce` and neither means `off`. The images of
/// the shipped catalogue (``ImageCatalogue/shipped``) are always accepted when signed by this
/// project's release workflow (``shippedIdentity``), and are enforced by default.
package struct VerifyPolicy: Sendable, Equatable {
    package enum Mode: String, Sendable, Equatable, CaseIterable, Codable {
        case enforce, warn, off
    }

    package struct Rule: Sendable, Equatable {
        package var mode: Mode?
        package var keys: [String]?
        package var identities: [IdentityPolicy]?
    }

    package var global = Rule()
    package var containers: [String: Rule] = [:]
    /// A trusted_root.json for keyless verification (resolved path); nil: the shipped public-good root.
    package var trustedRoot: String?

    package init() {}

    /// The identity of this project's release workflow (.github/workflows/release.yml, run for
    /// a `v*` tag of github.com/hyphagroup/oubliette), which attests the shipped images with
    /// `actions/attest` `push-to-registry: true`.
    /// The same identity self-update requires of the CLI archives.
    package static let shippedIdentity = ArchiveSignaturePolicy.releaseWorkflowIdentity(repository: ReleaseCatalog.defaultRepository)

    /// Whether `image` is one of the shipped catalogue's own repositories.
    package static func isShipped(_ image: ImageReference) -> Bool {
        ImageCatalogue.shipped.entries.contains { $0.repository == image.name }
    }

    /// What applies to one image of one container type.
    package struct Effective: Sendable, Equatable {
        package var mode: Mode
        /// Public key paths, any of which may have signed.
        package var keys: [String]
        /// Signer identities, any of which may have signed keylessly.
        package var identities: [IdentityPolicy]
        package var trustedRoot: String?

        /// `keys/a.pub, identity subject matching …` for messages.
        package var expected: [String] { keys + identities.map { "identity \($0.summary)" } }
    }

    /// The mode, keys and identities for `type` (the type's rule over the global one), and for
    /// a shipped image the release workflow's identity, enforced unless a mode is configured.
    package func effective(for type: String, image: ImageReference? = nil) -> Effective {
        let rule = containers[type]
        let keys = rule?.keys ?? global.keys ?? []
        var identities = rule?.identities ?? global.identities ?? []
        if let image, Self.isShipped(image), !identities.contains(Self.shippedIdentity) { identities.append(Self.shippedIdentity) }
        let mode = rule?.mode ?? global.mode ?? (keys.isEmpty && identities.isEmpty ? .off : .enforce)
        return Effective(mode: mode, keys: keys, identities: identities, trustedRoot: trustedRoot)
    }

    static let knownKeys = ["mode", "keys", "identities", "trusted_root", "containers"]
    static let ruleKeys = ["mode", "keys", "identities"]

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
                // `{"keys": []}` (or `{"identities": []}`) without a mode would mean "off" for this
                // type while the global section enforces: a silent hole, so it is refused (say
                // "mode": "off" to mean it).
                let globalEnforces = (global.mode ?? ((global.keys ?? []).isEmpty && (global.identities ?? []).isEmpty ? .off : .enforce)) == .enforce
                if rule.mode == nil, rule.keys?.isEmpty == true || rule.identities?.isEmpty == true,
                    (rule.keys ?? global.keys ?? []).isEmpty, (rule.identities ?? global.identities ?? []).isEmpty, globalEnforces
                {
                    let emptied = rule.keys?.isEmpty == true ? "keys" : "identities"
                    let location = entry.value.members?.first { $0.key == emptied }?.value.location ?? entry.value.location
                    throw .invalidValue(
                        file: file, location: location, key: "verify.containers.\(entry.key).\(emptied)", value: "[]",
                        allowed: [
                            "at least one \(emptied == "keys" ? "public key path" : "identity") (the global section enforces; an empty list would switch '\(entry.key)' off — write \"mode\": \"off\" if that is meant)"
                        ])
                }
                containers[entry.key] = rule
            }
        }
        // "enforce" with no key anywhere would refuse every image: say so now, not at pull time.
        // A type's rule may take its keys from the global one.
        let enforcedWithoutKeys =
            (global.mode == .enforce && (global.keys ?? []).isEmpty && (global.identities ?? []).isEmpty ? [("verify", value)] : [])
            + containers.sorted { $0.key < $1.key }.compactMap { type, rule -> (String, JSONCValue)? in
                guard (rule.mode ?? global.mode) == .enforce, (rule.keys ?? global.keys ?? []).isEmpty,
                    (rule.identities ?? global.identities ?? []).isEmpty
                else { return nil }
                let entry = value.members?.first { $0.key == "containers" }?.value.members?.first { $0.key == type }?.value
                return ("verify.containers.\(type)", entry ?? value)
            }
        if let (path, located) = enforcedWithoutKeys.first {
            throw .invalidValue(
                file: file, location: located.location, key: "\(path).keys", value: "(none)",
                allowed: ["at least one public key path or identity (\"mode\": \"enforce\" with neither would refuse every image)"])
        }
        // Relative key paths are relative to the config file, as a user reading it expects.
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolve(_ path: String) -> String {
            if path.hasPrefix("~/") { return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(String(path.dropFirst(2))).path }
            return path.hasPrefix("/") ? path : base.appendingPathComponent(path).standardizedFileURL.path
        }
        global.keys = global.keys?.map(resolve)
        if let member = value.members?.first(where: { $0.key == "trusted_root" }) {
            guard let path = member.value.stringValue, !path.isEmpty else {
                throw .wrongType(
                    file: file, location: member.value.location, key: "verify.trusted_root", expected: "a trusted_root.json path",
                    found: member.value.typeName)
            }
            trustedRoot = resolve(path)
        }
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
            case "identities":
                guard let items = member.value.arrayValue else {
                    throw .wrongType(
                        file: file, location: member.value.location, key: "\(path).identities",
                        expected: "an array of {issuer, subject | subject_pattern, repository?, ref?}", found: member.value.typeName)
                }
                rule.identities = try items.map { item throws(ConfigError) in try identity(item, path: "\(path).identities", file: file) }
            case "containers" where allowContainers, "trusted_root" where allowContainers:
                continue
            default:
                let known = allowContainers ? knownKeys : ruleKeys
                throw .unknownKey(
                    file: file, location: member.keyLocation, key: member.key, section: "\"\(path)\"",
                    suggestion: KeySuggestion.nearest(to: member.key, among: known), known: known)
            }
        }
        if rule.mode == .enforce, rule.keys?.isEmpty == true, rule.identities?.isEmpty ?? true {
            throw .invalidValue(
                file: file, location: value.location, key: "\(path).keys", value: "[]",
                allowed: ["at least one public key path (enforce with no keys would refuse every image)"])
        }
        return rule
    }

    static let identityKeys = ["issuer", "subject", "subject_pattern", "repository", "ref"]

    /// One `{issuer, subject | subject_pattern, repository?, ref?}`, each problem at its line:column.
    private static func identity(_ value: JSONCValue, path: String, file: String) throws(ConfigError) -> IdentityPolicy {
        guard let members = value.members else {
            throw .wrongType(
                file: file, location: value.location, key: path, expected: "an object {issuer, subject | subject_pattern, repository?, ref?}",
                found: value.typeName)
        }
        var fields: [String: String] = [:]
        for member in members {
            guard identityKeys.contains(member.key) else {
                throw .unknownKey(
                    file: file, location: member.keyLocation, key: member.key, section: "\"\(path)\" entry",
                    suggestion: KeySuggestion.nearest(to: member.key, among: identityKeys), known: identityKeys)
            }
            guard let text = member.value.stringValue, !text.isEmpty else {
                throw .wrongType(
                    file: file, location: member.value.location, key: "\(path).\(member.key)", expected: "a non-empty string",
                    found: member.value.typeName)
            }
            fields[member.key] = text
        }
        guard let issuer = fields["issuer"] else {
            throw .invalidValue(
                file: file, location: value.location, key: "\(path).issuer", value: "(none)",
                allowed: ["the OIDC issuer the certificate must name, e.g. https://token.actions.githubusercontent.com"])
        }
        let subject: IdentityPolicy.Subject
        switch (fields["subject"], fields["subject_pattern"]) {
        case let (exact?, nil):
            subject = .exact(exact)
        case let (nil, pattern?):
            if (try? NSRegularExpression(pattern: "^(?:\(pattern))$")) == nil {
                let location = members.first { $0.key == "subject_pattern" }?.value.location ?? value.location
                throw .invalidValue(
                    file: file, location: location, key: "\(path).subject_pattern", value: pattern,
                    allowed: ["a valid regular expression (matched against the whole certificate SAN)"])
            }
            subject = .pattern(pattern)
        case (nil, nil):
            throw .invalidValue(
                file: file, location: value.location, key: "\(path).subject", value: "(none)",
                allowed: ["\"subject\" (the exact certificate SAN) or \"subject_pattern\" (a regular expression for it)"])
        case (_?, _?):
            let location = members.first { $0.key == "subject_pattern" }?.keyLocation ?? value.location
            throw .invalidValue(
                file: file, location: location, key: "\(path).subject_pattern", value: "(with subject)",
                allowed: ["either \"subject\" or \"subject_pattern\", not both"])
        }
        return IdentityPolicy(issuer: issuer, subject: subject, repository: fields["repository"], ref: fields["ref"])
    }
}
