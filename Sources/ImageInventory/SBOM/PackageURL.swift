import Foundation

/// Package URLs per the purl spec: `pkg:deb/debian/NAME@VERSION?arch=…&distro=…`,
/// `pkg:apk/alpine/NAME@VERSION?arch=…&distro=…`. Qualifiers are sorted by key and every
/// character outside the unreserved set is percent-encoded (a Debian epoch's `:` → `%3A`).
public enum PackageURL {
    public static func of(_ package: InstalledPackage, os: OSRelease?) -> String {
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
        var qualifiers: [(String, String)] = []
        if let arch = package.architecture, !arch.isEmpty { qualifiers.append(("arch", arch)) }
        if let distro = os?.purlDistro { qualifiers.append(("distro", distro)) }
        if package.kind == .deb && package.sourceName != package.name {
            qualifiers.append(("upstream", package.sourceName))
        }
        var purl = "pkg:\(type)/\(encode(namespace.lowercased()))/\(encode(package.name))@\(encode(package.version))"
        if !qualifiers.isEmpty {
            purl += "?" + qualifiers.sorted { $0.0 < $1.0 }.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
        }
        return purl
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// Percent-encodes UTF-8 bytes outside the unreserved set (optionally keeping `/`).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var output = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}
