import Foundation

/// One installed package as its database records it.
public struct InstalledPackage: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case deb, apk
    }

    public var kind: Kind
    public var name: String
    public var version: String
    public var architecture: String?
    /// Source package (dpkg `Source:`, apk origin); the name advisories are filed under.
    public var sourceName: String
    public var sourceVersion: String
    public var maintainer: String?
    public var homepage: String?
    /// SPDX license expression, when the package declares its licenses.
    public var license: String?
    /// Database file inside the image and the line the package's record starts on.
    public var databasePath: String
    public var databaseLine: Int

    public init(
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
