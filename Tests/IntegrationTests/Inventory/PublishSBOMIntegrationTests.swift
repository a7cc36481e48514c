import Foundation
import ImageBuilders
import ImageCatalogue
import OCIDistribution
import OublietteCore
import ReleaseKit
import Testing

/// `publish` with its SBOM step (as `release-tool publish` configures it): every published
/// image has an SPDX SBOM attestation that `sbom --attached` fetches back.
@Suite("publish attaches SBOMs", .serialized, .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct PublishSBOMIntegrationTests {
    @Test("the busybox catalogue published: base and dev each carry an SBOM naming their digest", .timeLimit(.minutes(10)))
    func publishAttaches() async throws {
        let bed = TestBed.required
        let repository = try bed.makeTemporaryDirectory("publish-sbom-repo")
        try await ReleasePublishTests.makeRepository(in: repository)
        try await ReleasePublishTests.checkout("v1.1.0", in: repository)
        let inputs = ReleaseInputs(
            repositoryPath: repository.path, catalogueFile: repository.appendingPathComponent("images/catalogue.jsonc").path,
            registry: "\(bed.registry)/sbom-publish", buildArguments: ["BUSYBOX_IMAGE=\(bed.busyboxImage)"])
        let plan = try inputs.plan()
        let builder = BuildahBuilder(options: .init(root: "\(bed.buildahRoot)/root", runRoot: "\(bed.buildahRoot)/runroot", tlsVerify: false))
        let work = try bed.makeTemporaryDirectory("publish-sbom")
        var publisher = ReleasePublisher(builder: builder, workDirectory: work, registries: RegistryClientFactory(credentials: OublietteCredentials.standard()))
        publisher.sbomAttestation = SBOMAttestation(
            key: nil, registries: RegistryClientFactory(credentials: ChainedCredentials([])), workDirectory: work, toolVersion: "test")
        let report = try await publisher.publish(plan)
        #expect(report.images.count == 2)
        for image in report.images {
            let fetched = try await InventoryTestSupport.releaseTool(["sbom", "--attached", image.reference.description])
            #expect(fetched.succeeded, "\(image.type): \(fetched.stderr)")
            let document = try InventoryTestSupport.json(fetched.stdout)
            let root = (document["packages"] as? [[String: Any]] ?? []).first { $0["SPDXID"] as? String == "SPDXRef-Image" }
            // The tag names an index; --attached resolves it to this host's platform manifest.
            let manifests = image.platforms.map(\.digest.description)
            #expect(manifests.contains(root?["versionInfo"] as? String ?? "-"), "\(manifests)")
            #expect((document["comment"] as? String)?.contains("no package database found") == true, "busybox images have none")
            if let venv = InventoryTestSupport.venv {
                let file = work.appendingPathComponent("\(image.type).spdx.json")
                try Data(fetched.stdout.utf8).write(to: file)
                let schema = try await InventoryTestSupport.validateAgainstSchema([file], venv: venv)
                #expect(schema.succeeded, "\(image.type): \(schema.stdout)")
            }
        }
    }
}
