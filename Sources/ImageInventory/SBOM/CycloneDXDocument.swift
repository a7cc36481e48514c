import Foundation

/// A CycloneDX 1.6 JSON BOM: the image as `metadata.component` (type container, with its
/// digest), the OS and each installed package as components, the image depending on all.
package struct CycloneDXDocument: Codable, Sendable {
    package struct Hash: Codable, Sendable {
        package var alg: String
        package var content: String
    }

    package struct Property: Codable, Sendable {
        package var name: String
        package var value: String
    }

    package struct License: Codable, Sendable {
        package var expression: String
    }

    package struct Supplier: Codable, Sendable {
        package struct Contact: Codable, Sendable {
            package var name: String?
            package var email: String?
        }
        package var name: String
        package var contact: [Contact]?
    }

    package struct Component: Codable, Sendable {
        package var type: String
        package var bomRef: String
        package var name: String
        package var version: String?
        package var supplier: Supplier?
        package var description: String?
        package var purl: String?
        package var hashes: [Hash]?
        package var licenses: [License]?
        package var properties: [Property]?

        enum CodingKeys: String, CodingKey {
            case type, name, version, supplier, description, purl, hashes, licenses, properties
            case bomRef = "bom-ref"
        }
    }

    package struct Tool: Codable, Sendable {
        package var type: String
        package var name: String
        package var version: String
    }

    package struct Tools: Codable, Sendable {
        package var components: [Tool]
    }

    package struct Metadata: Codable, Sendable {
        package var timestamp: String
        package var tools: Tools
        package var component: Component
        package var properties: [Property]?
    }

    package struct Dependency: Codable, Sendable {
        package var ref: String
        package var dependsOn: [String]?
    }

    package var bomFormat = "CycloneDX"
    package var specVersion = "1.6"
    package var serialNumber: String
    package var version = 1
    package var metadata: Metadata
    package var components: [Component]
    package var dependencies: [Dependency]

    package init(subject: ImageSubject, inventory: Inventory, creation: SBOMCreation) {
        let hex = subject.manifestDigest.split(separator: ":").last.map(String.init) ?? subject.manifestDigest
        serialNumber = "urn:uuid:" + SBOMWriter.stableUUID(creation.timestamp + subject.manifestDigest)
        var image = Component(type: "container", bomRef: "image", name: subject.repository, version: subject.manifestDigest, purl: subject.purl)
        if subject.manifestDigest.hasPrefix("sha256:") { image.hashes = [Hash(alg: "SHA-256", content: hex)] }
        var imageProperties: [Property] = []
        if let platform = subject.platform { imageProperties.append(Property(name: "image-inventory:platform", value: platform)) }
        if let index = subject.indexDigest { imageProperties.append(Property(name: "image-inventory:index-digest", value: index)) }
        image.properties = imageProperties.isEmpty ? nil : imageProperties
        let notes = inventory.notes.map { Property(name: "image-inventory:note", value: $0) }
        metadata = Metadata(
            timestamp: creation.timestamp,
            tools: Tools(components: [Tool(type: "application", name: creation.toolName, version: creation.toolVersion)]),
            component: image, properties: notes.isEmpty ? nil : notes)
        components = []
        var refs: [String] = []
        if let os = inventory.os {
            components.append(Component(type: "operating-system", bomRef: "os", name: os.id, version: os.versionID, description: os.prettyName))
            refs.append("os")
        }
        var used = Set<String>()
        for package in inventory.packages {
            let purl = PackageURL.of(package, os: inventory.os)
            var ref = purl
            if used.contains(ref) { ref += "#\(used.count)" }
            used.insert(ref)
            var supplier: Supplier?
            if let maintainer = package.maintainer {
                let (name, email) = SBOMWriter.splitContact(maintainer)
                supplier = Supplier(name: name.isEmpty ? maintainer : name, contact: email.map { [Supplier.Contact(name: name, email: $0)] })
            }
            var properties = [Property(name: "image-inventory:database", value: package.databasePath)]
            if let arch = package.architecture { properties.append(Property(name: "image-inventory:architecture", value: arch)) }
            if package.sourceName != package.name || package.sourceVersion != package.version {
                properties.append(Property(name: "image-inventory:source-package", value: "\(package.sourceName) \(package.sourceVersion)"))
            }
            components.append(
                Component(
                    type: "library", bomRef: ref, name: package.name, version: package.version, supplier: supplier, purl: purl,
                    licenses: package.license.map { [License(expression: $0)] }, properties: properties))
            refs.append(ref)
        }
        dependencies = [Dependency(ref: "image", dependsOn: refs)] + refs.map { Dependency(ref: $0, dependsOn: nil) }
    }
}
