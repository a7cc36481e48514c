import Foundation
import OCIDistribution
import Testing

/// `release-tool registry copy --progress`: the chosen style reaches stderr, and stdout
/// (the result) is left alone.
@Suite("registry copy --progress (built binary)", .enabled(if: TestBed.isAvailable, TestBed.skipReason))
struct RegistryCopyProgressTests {
    func releaseTool(_ arguments: [String]) async throws -> ToolResult {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("release-tool")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the release-tool product first")
        return try await ToolRunner.run(binary.path, arguments, check: false, timeout: 300)
    }

    @Test("json: one JSON object per finished blob and pushed manifest; plain: one line each")
    func styles() async throws {
        let bed = TestBed.required
        let work = try bed.makeTemporaryDirectory("copy-progress")
        let json = try await releaseTool([
            "registry", "copy", "--progress", "json", "docker://\(bed.busyboxImage)", "oci:\(work.appendingPathComponent("json").path):1",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let events = try json.stderr.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
        let blobs = events.filter { $0["event"] as? String == "blob_finished" }
        #expect(!blobs.isEmpty && blobs.allSatisfy { ($0["digest"] as? String)?.hasPrefix("sha256:") == true && $0["outcome"] != nil })
        #expect(events.filter { $0["event"] as? String == "manifest_pushed" }.count == 1)
        #expect(json.stdout.hasPrefix("copied sha256:"))

        let plain = try await releaseTool([
            "registry", "copy", "--progress", "plain", "docker://\(bed.busyboxImage)", "oci:\(work.appendingPathComponent("plain").path):1",
        ])
        #expect(plain.status == 0, "\(plain.stderr)")
        let lines = plain.stderr.split(separator: "\n")
        #expect(lines.count == blobs.count + 1, "\(plain.stderr)")
        #expect(lines.last?.hasPrefix("wrote manifest sha256:") == true)
        #expect(!plain.stderr.contains("{"))
    }
}
