import Foundation

/// A parsed, normalized image reference: `registry/repository[:tag][@digest]`.
///
/// Follows the distribution reference grammar. The first path component is a registry
/// host when it contains `.` or `:`, is `localhost`, or has uppercase letters (as Docker
/// decides). References without a registry mean Docker Hub (`docker.io`, with `library/`
/// for single-component names); references without tag or digest get `latest`.
package struct ImageReference: Sendable, Hashable, Codable, CustomStringConvertible {
    package static let dockerHub = "docker.io"
    package static let defaultTag = "latest"
    /// Longest repository path (without the registry) distribution accepts.
    package static let maximumRepositoryLength = 255

    package let registry: String
    package let repository: String
    package let tag: String?
    package let digest: Digest?

    package init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag ?? (digest == nil ? Self.defaultTag : nil)
        self.digest = digest
    }

    package init(parsing input: String) throws(ImageReferenceError) {
        guard !input.isEmpty else { throw .empty }
        // As distribution's ParseNormalizedNamed: a bare 64-hex name is refused, because
        // engines read it as an image ID.
        if input.utf8.count == 64, input.utf8.allSatisfy(Self.isLowerHexByte) {
            throw .ambiguousImageID(reference: input)
        }
        if let bad = input.first(where: { !Self.isReferenceCharacter($0) }) {
            throw .invalidCharacter(reference: input, character: bad)
        }

        var rest = Substring(input)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            digest = try Digest(String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }

        // A ':' after the last '/' separates the tag; earlier ones belong to a registry port.
        var tag: String?
        let lastSlash = rest.lastIndex(of: "/")
        let nameEndSearchStart = lastSlash.map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[nameEndSearchStart...].firstIndex(of: ":") {
            let candidate = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(candidate) else { throw .invalidTag(reference: input, tag: candidate) }
            tag = candidate
            rest = rest[..<colon]
        }

        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry = Self.dockerHub
        if components.count > 1, Self.looksLikeRegistry(components[0]) {
            registry = components.removeFirst()
            guard Self.isValidRegistry(registry) else { throw .invalidRegistry(reference: input, registry: registry) }
        }
        // Only the legacy index name is an alias (distribution's normalize.go); the real
        // host registry-1.docker.io is kept as written.
        if registry == "index.docker.io" { registry = Self.dockerHub }

        guard !components.contains(where: \.isEmpty) else { throw .emptyPathComponent(reference: input) }
        let repositoryPath = components.joined(separator: "/")
        if repositoryPath.contains(where: \.isUppercase) {
            throw .uppercaseRepository(reference: input, repository: repositoryPath)
        }
        for component in components where !Self.isValidPathComponent(component) {
            throw .invalidPathComponent(reference: input, component: component)
        }
        if registry == Self.dockerHub && components.count == 1 {
            components.insert("library", at: 0)
        }
        let repository = components.joined(separator: "/")
        // The limit is on the path alone (distribution's RepositoryNameTotalLengthMax),
        // counted after `library/` is added, as distribution does.
        guard repository.utf8.count <= Self.maximumRepositoryLength else {
            throw .nameTooLong(reference: input, length: repository.utf8.count)
        }

        self.init(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// Canonical form: always names the registry; `:tag` and/or `@digest` as present.
    package var description: String {
        var text = "\(registry)/\(repository)"
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// `registry/repository`, without tag or digest.
    package var name: String { "\(registry)/\(repository)" }

    /// Docker's short spelling (`ubuntu:22.04` for `docker.io/library/ubuntu:22.04`).
    package var familiarDescription: String {
        var name = self.name
        if registry == Self.dockerHub {
            name = repository.hasPrefix("library/") ? String(repository.dropFirst("library/".count)) : repository
        }
        if let tag { name += ":\(tag)" }
        if let digest { name += "@\(digest)" }
        return name
    }

    package func withTag(_ newTag: String) throws(ImageReferenceError) -> ImageReference {
        guard Self.isValidTag(newTag) else { throw .invalidTag(reference: description, tag: newTag) }
        return ImageReference(registry: registry, repository: repository, tag: newTag, digest: nil)
    }

    package func withDigest(_ newDigest: Digest) -> ImageReference {
        ImageReference(registry: registry, repository: repository, tag: nil, digest: newDigest)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do { self = try ImageReference(parsing: raw) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Grammar

    package static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, isWordCharacter(first) else { return false }
        return tag.dropFirst().allSatisfy { isWordCharacter($0) || $0 == "." || $0 == "-" }
    }

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_")
    }

    private static func isReferenceCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "._-:/@[]".contains(c))
    }

    private static func looksLikeRegistry(_ component: String) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost"
            || component.contains(where: \.isUppercase)
    }

    /// host[:port], where host is dot-separated DNS labels or a bracketed IPv6 literal.
    private static func isValidRegistry(_ registry: String) -> Bool {
        var host = Substring(registry)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let literal = host[host.index(after: host.startIndex)..<close]
            guard !literal.isEmpty, literal.utf8.allSatisfy({ isHexByte($0) || $0 == UInt8(ascii: ":") }) else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.hasPrefix(":") else { return false }
            return isValidPort(host.dropFirst())
        }
        if let colon = host.firstIndex(of: ":") {
            guard isValidPort(host[host.index(after: colon)...]) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty
            && labels.allSatisfy { label in
                guard let first = label.first, let last = label.last else { return false }
                return first.isASCII && (first.isLetter || first.isNumber)
                    && last.isASCII && (last.isLetter || last.isNumber)
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
    }

    private static func isValidPort(_ port: Substring) -> Bool {
        guard !port.isEmpty, port.utf8.count <= 5,
            port.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int(port)
        else { return false }
        return value <= 65535
    }

    private static func isLowerHexByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func isHexByte(_ byte: UInt8) -> Bool {
        isLowerHexByte(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// `[a-z0-9]+` runs joined by `.`, `_`, `__` or one or more `-`.
    static func isValidPathComponent(_ component: String) -> Bool {
        let chars = Array(component)
        var i = 0
        func alnumRun() -> Bool {
            let start = i
            while i < chars.count, chars[i].isASCII, chars[i].isLowercase || chars[i].isNumber { i += 1 }
            return i > start
        }
        guard alnumRun() else { return false }
        while i < chars.count {
            switch chars[i] {
            case ".": i += 1
            case "_": i += (i + 1 < chars.count && chars[i + 1] == "_") ? 2 : 1
            case "-": while i < chars.count, chars[i] == "-" { i += 1 }
            default: return false
            }
            guard alnumRun() else { return false }
        }
        return true
    }
}
