import Foundation
import ImageSigning
import OCIDistribution

/// Builds the SLSA provenance v1 statement release-tool attaches to each published image:
/// the git commit and tag, the catalogue entry, the platform, the builder, the parent image
/// digest it was built FROM, and the CI run (GitHub Actions' `GITHUB_*` variables) if any.
package struct ReleaseProvenance: Sendable {
    package static let buildType = "https://github.com/hyphagroup/oubliette/release-tool/publish/v1"

    package var environment: [String: String]
    package var now: @Sendable () -> Date

    package init(environment: [String: String] = ProcessInfo.processInfo.environment, now: @escaping @Sendable () -> Date = Date.init) {
        self.environment = environment
        self.now = now
    }

    package func statement(for subject: SigningSubject, digest: Digest, platform: Platform?) throws -> InTotoStatement {
        let labels = subject.labels
        var external: [String: String] = [
            "catalogueEntry": subject.type,
            "repository": subject.reference.name,
            "tags": subject.tags.joined(separator: ","),
            "version": subject.version.version.description,
        ]
        if let tag = subject.version.gitTag { external["gitTag"] = tag }
        if let source = labels["org.opencontainers.image.source"] { external["source"] = source }
        var internals: [String: String] = ["builder": subject.builder]
        if let platform { internals["platform"] = platform.description }

        var dependencies: [SLSAProvenance.ResourceDescriptor] = []
        let repositoryURI = labels["org.opencontainers.image.source"].map { "git+\($0)" } ?? "git+local"
        let gitRef = subject.version.gitTag.map { "@refs/tags/\($0)" } ?? ""
        dependencies.append(.init(uri: repositoryURI + gitRef, name: "source", digest: ["gitCommit": subject.version.revision]))
        let platformParent = platform.flatMap { subject.parentDigests[$0.description] }
        if let parentDigest = platformParent ?? labels["org.opencontainers.image.base.digest"].flatMap({ try? Digest($0) }) {
            let name = labels["org.opencontainers.image.base.name"] ?? "parent"
            dependencies.append(.init(uri: "oci://\(name)", name: "parent", digest: [parentDigest.algorithm: parentDigest.encoded]))
        }

        let finished = ISO8601DateFormatter().string(from: now())
        var metadata = SLSAProvenance.Metadata(invocationId: nil, startedOn: nil, finishedOn: finished)
        var builderID = "https://github.com/hyphagroup/oubliette/release-tool@\(subject.toolVersion)"
        if let server = environment["GITHUB_SERVER_URL"], let repository = environment["GITHUB_REPOSITORY"], let run = environment["GITHUB_RUN_ID"] {
            let attempt = environment["GITHUB_RUN_ATTEMPT"] ?? "1"
            metadata.invocationId = "\(server)/\(repository)/actions/runs/\(run)/attempts/\(attempt)"
            if let workflow = environment["GITHUB_WORKFLOW_REF"] { builderID = "\(server)/\(workflow)" }
            external["ciRun"] = metadata.invocationId
            if let event = environment["GITHUB_EVENT_NAME"] { internals["githubEvent"] = event }
        }
        let predicate = SLSAProvenance(
            buildDefinition: .init(
                buildType: Self.buildType, externalParameters: external, internalParameters: internals, resolvedDependencies: dependencies),
            runDetails: .init(builder: .init(id: builderID, version: ["release-tool": subject.toolVersion]), metadata: metadata, byproducts: nil))
        return try InTotoStatement(
            subject: [.init(name: subject.reference.name, digest: digest)], predicateType: SLSAProvenance.predicateType, predicate: predicate)
    }
}
