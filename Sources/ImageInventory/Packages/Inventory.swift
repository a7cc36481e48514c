import Foundation

/// What an image holds, as far as its OS and package databases say.
package struct Inventory: Sendable, Hashable, Codable {
    package var os: OSRelease?
    package var packages: [InstalledPackage]
    /// Package databases read (paths inside the image).
    package var databases: [String]
    /// Things a reader should know ("no package database found").
    package var notes: [String]

    package init(os: OSRelease?, packages: [InstalledPackage], databases: [String], notes: [String]) {
        self.os = os
        self.packages = packages
        self.databases = databases
        self.notes = notes
    }

    package static let noDatabaseNote =
        "no package database found (looked for var/lib/dpkg/status, var/lib/dpkg/status.d/, lib/apk/db/installed): the image's packages are not listed"

    static let dpkgStatus = "var/lib/dpkg/status"
    static let dpkgStatusDirectory = "var/lib/dpkg/status.d"
    static let apkInstalled = "lib/apk/db/installed"

    /// The files an inventory reads; everything else in the layers is skipped unread.
    package static func isOfInterest(_ path: String) -> Bool {
        if path == "etc/os-release" || path == "usr/lib/os-release" || path == dpkgStatus || path == apkInstalled { return true }
        if path.hasPrefix(dpkgStatusDirectory + "/") {
            let name = path.dropFirst(dpkgStatusDirectory.count + 1)
            return !name.contains("/") && !name.hasSuffix(".md5sums")
        }
        if path.hasPrefix("usr/share/doc/"), path.hasSuffix("/copyright") {
            return path.split(separator: "/").count == 5
        }
        return false
    }

    /// Copyright files are read for their licence names only: streamed, not kept.
    static func condenser(for path: String) -> (any ContentCondenser)? {
        path.hasPrefix("usr/share/doc/") && path.hasSuffix("/copyright") ? DebianCopyrightCondenser() : nil
    }

    /// Reads the inventory from a merged tree. Unreadable copyright files only lose their
    /// license; a malformed package database is an error (the SBOM would be wrong).
    package static func read(from tree: LayeredFileTree) throws(InventoryError) -> Inventory {
        var notes: [String] = []
        var os: OSRelease?
        for path in ["etc/os-release", "usr/lib/os-release"] {
            if let data = tree.contents(of: path) {
                os = try OSRelease.parse(String(decoding: data, as: UTF8.self), file: path)
                break
            }
        }
        if os == nil { notes.append("no /etc/os-release: the operating system is unknown") }
        var packages: [InstalledPackage] = []
        var databases: [String] = []
        if let data = tree.contents(of: dpkgStatus) {
            packages += try DpkgStatusParser.parse(String(decoding: data, as: UTF8.self), file: dpkgStatus)
            databases.append(dpkgStatus)
        }
        for (path, data) in tree.files(under: dpkgStatusDirectory) {
            packages += try DpkgStatusParser.parse(String(decoding: data, as: UTF8.self), file: path)
            if !databases.contains(dpkgStatusDirectory) { databases.append(dpkgStatusDirectory) }
        }
        if let data = tree.contents(of: apkInstalled) {
            packages += try ApkDatabaseParser.parse(String(decoding: data, as: UTF8.self), file: apkInstalled)
            databases.append(apkInstalled)
        }
        if databases.isEmpty { notes.append(noDatabaseNote) }
        for index in packages.indices where packages[index].kind == .deb && packages[index].license == nil {
            // Multi-arch packages share a doc directory name without the ":arch" suffix.
            let path = "usr/share/doc/\(packages[index].name)/copyright"
            guard let data = tree.contents(of: path) else { continue }
            do {
                packages[index].license = try DebianCopyright.license(String(decoding: data, as: UTF8.self), file: path)
            } catch {
                notes.append("license of \(packages[index].name) unknown: \(error.description)")
            }
        }
        packages.sort { ($0.name, $0.architecture ?? "") < ($1.name, $1.architecture ?? "") }
        return Inventory(os: os, packages: packages, databases: databases, notes: notes)
    }
}
