import Foundation
import ImageCatalogue
import OublietteCore
import Testing

/// Both executables report the version they were stamped with at build time
/// (`scripts/version-env` → Package.swift → CBuildVersion), not a constant.
@Suite("Version stamping")
struct VersionStampTests {
    func binary(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    @Test(arguments: ["oubliette", "release-tool"])
    func executablesPrintTheStampedVersion(_ tool: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary(tool)), "build the \(tool) product first")
        let printed = try await ToolRunner.run(binary(tool), ["--version"]).trimmedStdout
        #expect(printed == OublietteVersion.longDescription)
        #expect(printed != "0.1.0", "the old hard-coded version")
        if let stamped = ProcessInfo.processInfo.environment["OUBLIETTE_VERSION"], !stamped.isEmpty {
            // scripts/test stamps the build; the binaries must carry exactly that.
            #expect(printed.hasPrefix(stamped), "stamped \(stamped), printed \(printed)")
        } else {
            #expect(printed.hasPrefix("0.0.0-dev"))
        }
    }
}
