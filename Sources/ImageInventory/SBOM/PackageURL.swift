import Foundation

/// Package URLs per the purl specification: `pkg:deb/debian/NAME@VERSION?arch=…&distro=…`,
/// `pkg:apk/alpine/NAME@VERSION?arch=…&distro=…`, `pkg:oci/NAME@DIGEST?…`, in canonical form:
/// qualifiers sorted by key, components percent-encoded except the alphanumerics, `.-_~`
/// and the colon (so a Debian epoch stays `1:1.2.13.dfsg-1`, as purl-spec's own tests have it).
package enum PackageURL {
    package static func of(_ package: InstalledPackage, os: OSRelease?) -> String {
        let type: String
        let namespace: String
        switch package.kind {
        case .deb:
            type = "deb"
            namespace = os?.id == "ubuntu" ? "ubuntu" : "debian"
        case .apk:
            type = "apk"
            namespace = os?.id ?? "alpine"
        }
        var qualifiers: [String: String] = [:]
        if let arch = package.architecture, !arch.isEmpty { qualifiers["arch"] = arch }
        if let distro = os?.purlDistro { qualifiers["distro"] = distro }
        if package.kind == .deb && package.sourceName != package.name { qualifiers["upstream"] = package.sourceName }
        // Our inputs are always buildable (a fixed type, non-empty names from a package database).
        return build(type: type, namespace: namespace.lowercased(), name: package.name, version: package.version, qualifiers: qualifiers)
            ?? "pkg:\(type)/\(component(namespace))/\(component(package.name))@\(component(package.version))"
    }

    /// The canonical purl of these components (the spec's "How to build `purl` string from
    /// its components"), or nil when they cannot form one: an empty or invalid type, an empty
    /// name, a qualifier key outside `[A-Za-z0-9.-_]` or starting with a digit. Empty
    /// qualifier values are left out; `/`-separated namespace and subpath segments are
    /// encoded one by one.
    package static func build(
        type: String, namespace: String? = nil, name: String, version: String? = nil, qualifiers: [String: String] = [:], subpath: String? = nil
    ) -> String? {
        let type = type.lowercased()
        guard let first = type.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
            type.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-") }),
            !name.isEmpty
        else { return nil }
        var purl = "pkg:\(type)/"
        if let namespace {
            let segments = namespace.split(separator: "/").map { component(String($0)) }
            if !segments.isEmpty { purl += segments.joined(separator: "/") + "/" }
        }
        purl += component(name)
        if let version, !version.isEmpty { purl += "@" + component(version) }
        var pairs: [(String, String)] = []
        for (key, value) in qualifiers where !value.isEmpty {
            let key = key.lowercased()
            guard let first = key.unicodeScalars.first, !("0"..."9").contains(first),
                key.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) })
            else { return nil }
            pairs.append((key, value))
        }
        if !pairs.isEmpty {
            purl += "?" + pairs.sorted { $0.0 < $1.0 }.map { "\($0.0)=\(component($0.1))" }.joined(separator: "&")
        }
        if let subpath {
            let segments = subpath.split(separator: "/").filter { $0 != "." && $0 != ".." }.map { component(String($0)) }
            if !segments.isEmpty { purl += "#" + segments.joined(separator: "/") }
        }
        return purl
    }

    private static let componentSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:".utf8)

    /// A purl component's encoding: "The following characters shall not be percent-encoded:
    /// the Alphanumeric Characters, the Punctuation Characters [.-_~] … the colon ':', whether
    /// used as a Separator Character or otherwise" (purl specification, Character encoding).
    package static func component(_ text: String) -> String {
        percentEncode(text) { componentSafe.contains($0) }
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// Percent-encodes UTF-8 bytes outside RFC 3986's unreserved set (optionally keeping `/`),
    /// for URL paths; purls use `component`.
    package static func encode(_ text: String, keepSlash: Bool = false) -> String {
        percentEncode(text) { unreserved.contains($0) || (keepSlash && $0 == UInt8(ascii: "/")) }
    }

    private static func percentEncode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        var output = ""
        for byte in text.utf8 {
            if keep(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}
