import Foundation
import OCIDistribution
import Testing

@testable import ImageCatalogue
@testable import OublietteCore

@Suite("Image version compatibility")
struct VersionCheckTests {
    @Test(
        arguments: [
            (nil, "1.0.0", true), ("", "1.0.0", true), ("dev", "1.0.0", true), ("1.0.0", "1.0.0", true),
            ("v1.0.0", "1.0.0", true), ("1.0.0", "v1.0.0", true), ("1.0.1", "1.0.0", false), ("2.0.0", "1.0.0", false),
            ("1.0.0-rc.1", "1.0.0", false),
        ] as [(String?, String, Bool)])
    func evaluate(imageVersion: String?, cliVersion: String, compatible: Bool) {
        let verdict = VersionCompatibility.evaluate(imageVersion: imageVersion, cliVersion: cliVersion)
        #expect((verdict == .compatible) == compatible)
    }

    @Test func developmentBuildsAcceptEveryImageWithANote() {
        #expect(
            VersionCompatibility.evaluate(imageVersion: "v1.4.0", cliVersion: "0.0.0-dev+abc123")
                == .developmentBuild(imageVersion: "v1.4.0", cliVersion: "0.0.0-dev+abc123"))
        #expect(VersionCompatibility.evaluate(imageVersion: "1.4.0", cliVersion: "0.0.0-dev") != .compatible)
        #expect(VersionCompatibility.evaluate(imageVersion: "0.0.0-dev", cliVersion: "0.0.0-dev") == .compatible)
        // A release build still flags another release.
        #expect(
            VersionCompatibility.evaluate(imageVersion: "1.4.0", cliVersion: "1.3.0")
                == .mismatch(imageVersion: "1.4.0", cliVersion: "1.3.0"))
        #expect(OublietteVersion.current != "0.1.0", "the version is stamped at build time, not a constant")
    }

    @Test func throttleLetsOneWarningThroughPerHourAcrossInstances() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("throttle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(await VersionWarningThrottle(stateDirectory: dir).shouldWarn(now: start))
        // A new instance (a new process) reads the timestamp file.
        let later = VersionWarningThrottle(stateDirectory: dir)
        #expect(!(await later.shouldWarn(now: start.addingTimeInterval(1800))))
        #expect(await later.shouldWarn(now: start.addingTimeInterval(3601)))
        #expect(!(await later.shouldWarn(now: start.addingTimeInterval(3700))))
    }

    @Test("the once-an-hour stamp is per container type: a warning about base does not silence dev's")
    func throttleIsPerType() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("throttle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let throttle = VersionWarningThrottle(stateDirectory: dir)
        #expect(await throttle.shouldWarn(now: start, type: "base"))
        #expect(await throttle.shouldWarn(now: start.addingTimeInterval(60), type: "dev"), "another type has its own stamp")
        #expect(!(await throttle.shouldWarn(now: start.addingTimeInterval(120), type: "base")))
        #expect(!(await VersionWarningThrottle(stateDirectory: dir).shouldWarn(now: start.addingTimeInterval(180), type: "dev")))
    }

    @Test("the advice says which side is older and the command that fixes it")
    func adviceDirection() throws {
        let reference = try ImageReference(parsing: "ghcr.io/acme/oubliette-base:latest")
        let olderImage = VersionCheckPolicy.warningText(type: "base", reference: reference, imageVersion: "v1.2.0", cliVersion: "1.3.0")
        #expect(olderImage.contains("older than this oubliette (1.3.0)") && olderImage.contains("oubliette update --type base"), "\(olderImage)")
        #expect(!olderImage.contains("self-update"))
        let olderCLI = VersionCheckPolicy.warningText(type: "base", reference: reference, imageVersion: "1.4.0", cliVersion: "1.3.0")
        #expect(olderCLI.contains("newer than this oubliette (1.3.0)") && olderCLI.contains("oubliette self-update"), "\(olderCLI)")
        #expect(!olderCLI.contains("oubliette update --type"))
    }
}
