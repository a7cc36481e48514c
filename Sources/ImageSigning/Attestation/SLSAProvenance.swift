import Foundation

/// The SLSA provenance v1 predicate (`https://slsa.dev/provenance/v1`): what was built, from
/// what, by which builder. Only the fields this tooling fills are modelled.
package struct SLSAProvenance: Sendable, Equatable, Codable {
    package static let predicateType = "https://slsa.dev/provenance/v1"

    package struct ResourceDescriptor: Sendable, Equatable, Codable {
        package var uri: String?
        package var name: String?
        package var digest: [String: String]?
        package init(uri: String? = nil, name: String? = nil, digest: [String: String]? = nil) {
            self.uri = uri
            self.name = name
            self.digest = digest
        }
    }
    package struct BuildDefinition: Sendable, Equatable, Codable {
        package var buildType: String
        package var externalParameters: [String: String]
        package var internalParameters: [String: String]?
        package var resolvedDependencies: [ResourceDescriptor]?
        package init(
            buildType: String, externalParameters: [String: String], internalParameters: [String: String]? = nil,
            resolvedDependencies: [ResourceDescriptor]? = nil
        ) {
            self.buildType = buildType
            self.externalParameters = externalParameters
            self.internalParameters = internalParameters
            self.resolvedDependencies = resolvedDependencies
        }
    }
    package struct Builder: Sendable, Equatable, Codable {
        package var id: String
        package var version: [String: String]?
        package init(id: String, version: [String: String]? = nil) {
            self.id = id
            self.version = version
        }
    }
    package struct Metadata: Sendable, Equatable, Codable {
        package var invocationId: String?
        package var startedOn: String?
        package var finishedOn: String?
        package init(invocationId: String? = nil, startedOn: String? = nil, finishedOn: String? = nil) {
            self.invocationId = invocationId
            self.startedOn = startedOn
            self.finishedOn = finishedOn
        }
    }
    package struct RunDetails: Sendable, Equatable, Codable {
        package var builder: Builder
        package var metadata: Metadata?
        package var byproducts: [ResourceDescriptor]?
        package init(builder: Builder, metadata: Metadata? = nil, byproducts: [ResourceDescriptor]? = nil) {
            self.builder = builder
            self.metadata = metadata
            self.byproducts = byproducts
        }
    }

    package var buildDefinition: BuildDefinition
    package var runDetails: RunDetails

    package init(buildDefinition: BuildDefinition, runDetails: RunDetails) {
        self.buildDefinition = buildDefinition
        self.runDetails = runDetails
    }
}
