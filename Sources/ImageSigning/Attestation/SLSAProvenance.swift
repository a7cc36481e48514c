import Foundation

/// The SLSA provenance v1 predicate (`https://slsa.dev/provenance/v1`): what was built, from
/// what, by which builder. Only the fields this tooling fills are modelled.
public struct SLSAProvenance: Sendable, Equatable, Codable {
    public static let predicateType = "https://slsa.dev/provenance/v1"

    public struct ResourceDescriptor: Sendable, Equatable, Codable {
        public var uri: String?
        public var name: String?
        public var digest: [String: String]?
        public init(uri: String? = nil, name: String? = nil, digest: [String: String]? = nil) {
            self.uri = uri
            self.name = name
            self.digest = digest
        }
    }
    public struct BuildDefinition: Sendable, Equatable, Codable {
        public var buildType: String
        public var externalParameters: [String: String]
        public var internalParameters: [String: String]?
        public var resolvedDependencies: [ResourceDescriptor]?
        public init(
            buildType: String, externalParameters: [String: String], internalParameters: [String: String]? = nil,
            resolvedDependencies: [ResourceDescriptor]? = nil
        ) {
            self.buildType = buildType
            self.externalParameters = externalParameters
            self.internalParameters = internalParameters
            self.resolvedDependencies = resolvedDependencies
        }
    }
    public struct Builder: Sendable, Equatable, Codable {
        public var id: String
        public var version: [String: String]?
        public init(id: String, version: [String: String]? = nil) {
            self.id = id
            self.version = version
        }
    }
    public struct Metadata: Sendable, Equatable, Codable {
        public var invocationId: String?
        public var startedOn: String?
        public var finishedOn: String?
        public init(invocationId: String? = nil, startedOn: String? = nil, finishedOn: String? = nil) {
            self.invocationId = invocationId
            self.startedOn = startedOn
            self.finishedOn = finishedOn
        }
    }
    public struct RunDetails: Sendable, Equatable, Codable {
        public var builder: Builder
        public var metadata: Metadata?
        public var byproducts: [ResourceDescriptor]?
        public init(builder: Builder, metadata: Metadata? = nil, byproducts: [ResourceDescriptor]? = nil) {
            self.builder = builder
            self.metadata = metadata
            self.byproducts = byproducts
        }
    }

    public var buildDefinition: BuildDefinition
    public var runDetails: RunDetails

    public init(buildDefinition: BuildDefinition, runDetails: RunDetails) {
        self.buildDefinition = buildDefinition
        self.runDetails = runDetails
    }
}
