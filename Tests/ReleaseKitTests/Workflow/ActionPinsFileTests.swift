import Foundation
import Testing

@testable import ReleaseKit

@Suite("Action pins file")
struct ActionPinsFileTests {
    @Test func aProjectWithoutPinsIsToldHowToCreateThem() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("no-pins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        do {
            _ = try ActionPins.load(root: root)
            Issue.record("expected an error")
        } catch {
            #expect(error == .absent(path: root.appendingPathComponent(ActionPins.path).path))
            #expect(error.description.contains(".github/pins/action.yml does not exist"), "\(error)")
            #expect(error.description.contains("Create it as a composite action"), "\(error)")
            #expect(!error.description.contains("The operation could not be completed"), "no Foundation text: \(error)")
        }
    }
}
