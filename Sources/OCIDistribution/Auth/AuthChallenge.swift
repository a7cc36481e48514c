import Foundation

/// A parsed `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
package struct AuthChallenge: Sendable, Equatable {
    package enum Scheme: String, Sendable, Equatable { case bearer, basic }

    package let scheme: Scheme
    package let parameters: [String: String]

    package var realm: String? { parameters["realm"] }
    package var service: String? { parameters["service"] }
    /// Space-separated scopes the registry asked for, if any.
    package var scopes: [String] { parameters["scope"].map { $0.split(separator: " ").map(String.init) } ?? [] }

    package init(scheme: Scheme, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// Parses one header value; nil for schemes we do not speak.
    package init?(header: String) {
        let trimmed = header.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else { return nil }
        guard let scheme = Scheme(rawValue: trimmed[..<space].lowercased()) else { return nil }
        self.scheme = scheme
        self.parameters = Self.parseParameters(trimmed[space...])
    }

    /// `key="quoted, value", key2=token` with backslash escapes inside quotes.
    static func parseParameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var chars = text[...]
        func skip(_ set: Set<Character>) { while let c = chars.first, set.contains(c) { chars.removeFirst() } }
        while true {
            skip([" ", ","])
            guard !chars.isEmpty else { break }
            var key = ""
            while let c = chars.first, c != "=", c != "," { key.append(c); chars.removeFirst() }
            guard chars.first == "=" else { continue }
            chars.removeFirst()
            var value = ""
            if chars.first == "\"" {
                chars.removeFirst()
                while let c = chars.first {
                    chars.removeFirst()
                    if c == "\\", let next = chars.first { value.append(next); chars.removeFirst(); continue }
                    if c == "\"" { break }
                    value.append(c)
                }
            } else {
                while let c = chars.first, c != "," { value.append(c); chars.removeFirst() }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            result[key.trimmingCharacters(in: .whitespaces).lowercased()] = value
        }
        return result
    }
}
