import Foundation

/// One installed package as its database records it.
package struct InstalledPackage: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, Codable {
        case deb, apk
    }

    package var kind: Kind
    package var name: String
    package var version: String
    package var architecture: String?
    /// Source package (dpkg `Source:`, apk origin); the name advisories are filed under.
    package var sourceName: String
    package var sourceVersion: String
    package var maintainer: String?
    package var homepage: String?
    /// SPDX license expression, when the package declares its licenses.
    package var license: String?
    /// Database file inside the image and the line the package's record starts on.
    package var databasePath: String
    package var databaseLine: Int

    package init(
        kind: Kind, name: String, version: String, architecture: String?, sourceName: String? = nil, sourceVersion: String? = nil,
        maintainer: String? = nil, homepage: String? = nil, license: String? = nil, databasePath: String, databaseLine: Int
    ) {
        self.kind = kind
        self.name = name
        self.version = version
        self.architecture = architecture
        self.sourceName = sourceName ?? name
        self.sourceVersion = sourceVersion ?? version
        self.maintainer = maintainer
        self.homepage = homepage
        self.license = license
        self.databasePath = databasePath
        self.databaseLine = databaseLine
    }
}
