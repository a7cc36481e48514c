import Foundation
import ImageInventory
import Testing

/// purl-spec's own test suite (Tests/Fixtures/purl-spec, vendored with its origin): every
/// `build` case of the purl types this project writes (deb, apk, oci) and of the
/// specification's generic cases, run through `PackageURL.build`.
@Suite("purls against purl-spec's test suite")
struct PackageURLSpecTests {
    struct Case {
        var file: String
        var description: String
        var input: [String: Any?]
        var expected: String?
        var testDescription: String { "\(file): \(description) → \(expected ?? "failure")" }
    }

    static let files = ["deb-test.json", "apk-test.json", "oci-test.json", "specification-test.json"]

    static func cases() throws -> [Case] {
        var cases: [Case] = []
        for file in files {
            let data = try Data(contentsOf: TestLayout.fixtures.appendingPathComponent("purl-spec/\(file)"))
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for test in try #require(root["tests"] as? [[String: Any]]) where test["test_type"] as? String == "build" {
                let input = try #require(test["input"] as? [String: Any])
                let failure = test["expected_failure"] as? Bool ?? false
                cases.append(
                    Case(
                        file: file, description: test["description"] as? String ?? "", input: input.mapValues { $0 is NSNull ? nil : $0 },
                        expected: failure ? nil : test["expected_output"] as? String))
            }
        }
        return cases
    }

    @Test("every build case gives the canonical string the suite expects (or fails where it expects failure)")
    func buildCases() throws {
        let cases = try Self.cases()
        #expect(cases.count == 19, "the vendored files hold 19 build cases")
        #expect(cases.contains { $0.expected == "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64" }, "the epoch case is among them")
        for test in cases {
            func string(_ key: String) -> String? { test.input[key].flatMap { $0 as? String } }
            let qualifiers = test.input["qualifiers"].flatMap { $0 as? [String: Any] }?.compactMapValues { $0 as? String } ?? [:]
            let built = PackageURL.build(
                type: string("type") ?? "", namespace: string("namespace"), name: string("name") ?? "", version: string("version"),
                qualifiers: qualifiers, subpath: string("subpath"))
            #expect(built == test.expected, "\(test.testDescription)")
        }
    }

    @Test("the purls written for installed packages are the suite's canonical forms")
    func installedPackages() {
        // deb-test.json: {"name": "attr", "version": "1:2.4.47-2+b1", "qualifiers": {"arch": "amd64"}}
        // → "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64".
        let attr = InstalledPackage(kind: .deb, name: "attr", version: "1:2.4.47-2+b1", architecture: "amd64", databasePath: "s", databaseLine: 1)
        #expect(PackageURL.of(attr, os: nil) == "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64")
        // apk-test.json: "pkg:apk/alpine/curl@7.83.0-r0?arch=x86".
        let curl = InstalledPackage(kind: .apk, name: "curl", version: "7.83.0-r0", architecture: "x86", databasePath: "i", databaseLine: 1)
        #expect(PackageURL.of(curl, os: nil) == "pkg:apk/alpine/curl@7.83.0-r0?arch=x86")
        // oci-test.json: "pkg:oci/static@sha256:244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic&tag=latest" (without tag here).
        let image = ImageSubject(name: "gcr.io/distroless/static:latest", manifestDigest: "sha256:244fd47e07d10")
        #expect(image.purl == "pkg:oci/static@sha256:244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic")
    }
}
