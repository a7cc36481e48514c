import Foundation

/// An SPDX 2.3 JSON document: the image as the described root package (with its manifest
/// digest), CONTAINS each installed package, licenses as SPDX expressions with every
/// `LicenseRef-` declared, notes in the document comment.
package struct SPDXDocument: Codable, Sendable {
    package struct CreationInfo: Codable, Sendable {
        package var created: String
        package var creators: [String]
        package var comment: String?
    }

    package struct Checksum: Codable, Sendable {
        package var algorithm: String
        package var checksumValue: String
    }

    package struct ExternalRef: Codable, Sendable {
        package var referenceCategory: String
        package var referenceType: String
        package var referenceLocator: String
    }

    package struct Package: Codable, Sendable {
        package var SPDXID: String
        package var name: String
        package var versionInfo: String?
        package var supplier: String?
        package var originator: String?
        package var downloadLocation: String
        package var filesAnalyzed: Bool
        package var homepage: String?
        package var sourceInfo: String?
        package var licenseConcluded: String
        package var licenseDeclared: String
        package var copyrightText: String
        package var checksums: [Checksum]?
        package var externalRefs: [ExternalRef]?
        package var primaryPackagePurpose: String?
        package var comment: String?
    }

    package struct Relationship: Codable, Sendable {
        package var spdxElementId: String
        package var relationshipType: String
        package var relatedSpdxElement: String
    }

    package struct ExtractedLicense: Codable, Sendable {
        package var licenseId: String
        package var extractedText: String
        package var name: String
    }

    package var spdxVersion = "SPDX-2.3"
    package var dataLicense = "CC0-1.0"
    package var SPDXID = "SPDXRef-DOCUMENT"
    package var name: String
    package var documentNamespace: String
    package var creationInfo: CreationInfo
    package var packages: [Package]
    package var relationships: [Relationship]
    package var hasExtractedLicensingInfos: [ExtractedLicense]?
    package var comment: String?

    package static let imageID = "SPDXRef-Image"

    package init(subject: ImageSubject, inventory: Inventory, creation: SBOMCreation) {
        name = "\(subject.repository)@\(subject.manifestDigest)"
        let hex = subject.manifestDigest.split(separator: ":").last.map(String.init) ?? subject.manifestDigest
        documentNamespace =
            "https://spdx.org/spdxdocs/image-inventory/\(PackageURL.encode(subject.repository))/\(hex)-\(SBOMWriter.stableUUID(creation.timestamp + hex))"
        creationInfo = CreationInfo(
            created: creation.timestamp, creators: ["Tool: \(creation.toolName)-\(creation.toolVersion)"],
            comment: "Read from the image's layers (package databases and /etc/os-release), not from a running container.")
        var image = Package(
            SPDXID: Self.imageID, name: subject.repository, versionInfo: subject.manifestDigest, supplier: "NOASSERTION",
            downloadLocation: "NOASSERTION", filesAnalyzed: false, licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION",
            copyrightText: "NOASSERTION",
            externalRefs: [ExternalRef(referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: subject.purl)],
            primaryPackagePurpose: "CONTAINER")
        if subject.manifestDigest.hasPrefix("sha256:") {
            image.checksums = [Checksum(algorithm: "SHA256", checksumValue: hex)]
        }
        image.comment =
            [subject.platform.map { "platform \($0)" }, subject.indexDigest.map { "from index \($0)" }]
            .compactMap { $0 }.joined(separator: "; ").nilIfEmpty
        packages = [image]
        relationships = [Relationship(spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: Self.imageID)]
        if let os = inventory.os {
            let osID = "SPDXRef-OperatingSystem"
            packages.append(
                Package(
                    SPDXID: osID, name: os.id, versionInfo: os.versionID, supplier: "NOASSERTION", downloadLocation: "NOASSERTION",
                    filesAnalyzed: false, licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION", copyrightText: "NOASSERTION",
                    primaryPackagePurpose: "OPERATING_SYSTEM", comment: os.prettyName))
            relationships.append(Relationship(spdxElementId: Self.imageID, relationshipType: "CONTAINS", relatedSpdxElement: osID))
        }
        var usedIDs = Set<String>()
        var references = Set<String>()
        for package in inventory.packages {
            var id = "SPDXRef-Package-\(package.kind.rawValue)-" + Self.idString("\(package.name)-\(package.architecture ?? "")")
            if usedIDs.contains(id) { id += "-\(usedIDs.count)" }
            usedIDs.insert(id)
            let license = package.license ?? "NOASSERTION"
            references.formUnion(LicenseExpression.references(in: license))
            let source: String? =
                package.sourceName != package.name || package.sourceVersion != package.version
                ? "built from source package \(package.sourceName) \(package.sourceVersion)" : nil
            packages.append(
                Package(
                    SPDXID: id, name: package.name, versionInfo: package.version, supplier: package.maintainer.map(Self.actor) ?? "NOASSERTION",
                    downloadLocation: "NOASSERTION", filesAnalyzed: false, homepage: package.homepage.flatMap(Self.url), sourceInfo: source,
                    licenseConcluded: "NOASSERTION", licenseDeclared: license, copyrightText: "NOASSERTION",
                    externalRefs: [
                        ExternalRef(referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: PackageURL.of(package, os: inventory.os))
                    ],
                    comment: "recorded in \(package.databasePath)"))
            relationships.append(Relationship(spdxElementId: Self.imageID, relationshipType: "CONTAINS", relatedSpdxElement: id))
        }
        if !references.isEmpty {
            hasExtractedLicensingInfos = references.sorted().map { reference in
                let name = String(reference.dropFirst("LicenseRef-".count))
                return ExtractedLicense(
                    licenseId: reference, extractedText: "The license the package's copyright file names '\(name)'; its text is in that file.",
                    name: name)
            }
        }
        comment = inventory.notes.isEmpty ? nil : inventory.notes.joined(separator: "\n")
    }

    /// SPDX ids allow letters, digits, `.` and `-` only.
    static func idString(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" })
    }

    /// A maintainer field as an SPDX actor: teams and lists are organisations.
    static func actor(_ maintainer: String) -> String {
        let (name, email) = SBOMWriter.splitContact(maintainer)
        let cleanName = name.replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
        let isGroup = ["team", "maintainers", "developers", "project", "group", "list"].contains { cleanName.lowercased().contains($0) }
        return "\(isGroup ? "Organization" : "Person"): \(cleanName) (\(email ?? ""))"
    }

    private static func url(_ text: String) -> String? {
        text.hasPrefix("http://") || text.hasPrefix("https://") ? text : nil
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
