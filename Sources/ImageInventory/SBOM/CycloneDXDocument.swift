import Foundation

/// A CycloneDX 1.6 JSON BOM: the image as `metadata.component` (type container, with its
/// digest), the OS and each installed package as components, the image depending on all.
public struct CycloneDXDocument: Codable, Sendable {
    public struct Hash: Codable, Sendable {
        public var alg: String
        public var content: String
    }

    public struct Property: Codable, Sendable {
        public var name: String
        public var value: String
    }

    public struct License: Codable, Sendable {
        public var expression: String
    }

    public struct Supplier: Codable, Sendable {
        public struct Contact: Codable, Sendable {
            public var name: String?
            public var email: String?
        }
        public var name: String
        public var contact: [Contact]?
    }

    public struct Component: Codable, Sendable {
        public var type: String
        public var bomRef: String
        public var name: String
        public var version: String?
        public var supplier: Supplier?
        public var description: String?
        public var purl: String?
        public var hashes: [Hash]?
        public var licenses: [License]?
        public var properties: [Property]?

        enum CodingKeys: String, CodingKey {
            case type, name, version, supplier, description, purl, hashes, licenses, properties
            case bomRef = "bom-ref"
        }
    }

    public struct Tool: Codable, Sendable {
        public var type: String
        public var name: String
        public var version: String
    }

    public struct Tools: Codable, Sendable {
        public var components: [Tool]
    }

    public struct Metadata: Codable, Sendable {
        public var timestamp: String
        public var tools: Tools
        public var component: Component
        public var properties: [Property]?
    }

    public struct Dependency: Codable, Sendable {
        public var ref: String
        public var dependsOn: [String]?
    }

    public var bomFormat = "CycloneDX"
    public var specVersion = "1.6"
    public var serialNumber: String
    public var version = 1
    public var metadata: Metadata
    public var components: [Component]
    public var dependencies: [Dependency]

    public init(subject: ImageSubject, inventory: Inventory, creation: SBOMCreation) {
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
