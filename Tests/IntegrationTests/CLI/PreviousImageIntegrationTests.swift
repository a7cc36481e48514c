import ContainerRuntimes
import Foundation
import OCIDistribution
import OublietteCore
import TestSupport
import Testing

/// Issue 22, "update destroys the rollback image": `previous` moves only after a new,
/// different image is in place; `container refresh` keeps it the same way; a rollback with
/// nothing to roll back to exits non-zero and says why. The real oubliette binary against the
/// bed's dockerd and registry.
extension CLIIntegrationTests {
    func marker(_ reference: ImageReference, _ engine: DockerRuntime) async throws -> String? {
        guard try await engine.imageExists(reference) else { return nil }
        return try await engine.inspectImage(reference).labels["test.marker"]
    }

    @Test func previousMovesOnlyWhenANewImageIsInPlace() async throws {
        let (home, image, _) = try await homeWithCustomType("previous")
        let project = try await createProject("previous demo", home: home)
        let reference = try ImageReference(parsing: image)
        let previous = ImageUpdater.previousReference(of: reference)
        let engine = try docker()
        try await withFixture(project, tearDown: { _ = try? await services(home, runtime: engine).projects.delete(id: $0.id) }) { project async throws in

            // Nothing new in the registry: no `previous` appears, so there is nothing to roll back to.
            let noop = try await oubliette(["update", "--type", "custom", "--json"], home)
            #expect(noop.status == 0, "\(noop.stderr)")
            #expect((try json(noop) as? [[String: Any]])?.first?["changed"] as? Bool == false)
            #expect(try await marker(previous, engine) == nil, "a no-op update must not tag the current image as previous")
            let nothing = try await oubliette(["update", "--type", "custom", "--rollback"], home)
            #expect(nothing.status == 1, "\(nothing.stderr)")
            #expect(nothing.stderr.contains("there is no previous image for container type 'custom'"), "\(nothing.stderr)")

            // A real update: `previous` is the image it replaced.
            let second = try await TestImages.push(image, version: "v1.0.13", marker: "two", bed: bed)
            let update = try await oubliette(["update", "--type", "custom"], home)
            #expect(update.status == 0, "\(update.stderr)")
            #expect(try await marker(reference, engine) == "two")
            #expect(try await marker(previous, engine) == "one")

            // A second update with nothing new, and one that fails, leave `previous` alone.
            #expect(try await oubliette(["update", "--type", "custom"], home).status == 0)
            #expect(try await marker(previous, engine) == "one", "a no-op update keeps the rollback image")
            let repository = reference.repository
            try await ToolRunner.run("curl", ["-sf", "-X", "DELETE", "http://\(bed.registry)/v2/\(repository)/manifests/\(second)"])
            let failed = try await oubliette(["update", "--type", "custom"], home)
            #expect(failed.status == 1, "the image is gone from the registry: \(failed.stderr)")
            #expect(try await marker(reference, engine) == "two")
            #expect(try await marker(previous, engine) == "one", "a failed update keeps the rollback image")

            // Rollback swaps: the image rolled back from becomes `previous`.
            let rollback = try await oubliette(["update", "--type", "custom", "--rollback"], home)
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(try await marker(reference, engine) == "one")
            #expect(try await marker(previous, engine) == "two")

            // `container refresh` keeps `previous` the same way.
            _ = try await TestImages.push(image, version: "v1.0.14", marker: "three", bed: bed)
            let refresh = try await oubliette(["container", "refresh", project.id, "--yes"], home)
            #expect(refresh.status == 0, "\(refresh.stderr)")
            #expect(try await marker(reference, engine) == "three")
            #expect(try await marker(previous, engine) == "one", "refresh keeps the image it replaced")
            #expect(try await oubliette(["container", "refresh", project.id, "--yes"], home).status == 0)
            #expect(try await marker(previous, engine) == "one", "a refresh with nothing new keeps previous")

            // `previous` naming the current image: nothing to roll back to, said so, exit 1.
            try await engine.tagImage(reference, as: previous)
            let same = try await oubliette(["update", "--type", "custom", "--rollback"], home)
            #expect(same.status == 1 && same.stderr.contains("nothing to roll back to for container type 'custom'"), "\(same.stderr)")
            #expect(try await engine.imageExists(ImageReference(registry: reference.registry, repository: repository, tag: "previous-staging")) == false)
        }
    }
}
