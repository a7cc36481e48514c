import Foundation
import SystemSupport

/// The SBOM formats written.
package enum SBOMFormat: String, Sendable, CaseIterable, Codable {
    case spdxJSON = "spdx-json"
    case cyclonedxJSON = "cyclonedx-json"
}

/// What every document says about who made it and when.
package struct SBOMCreation: Sendable, Hashable {
    package var toolName: String
    package var toolVersion: String
    package var created: Date

    package init(toolName: String, toolVersion: String, created: Date = Date()) {
        self.toolName = toolName
        self.toolVersion = toolVersion
        self.created = created
    }

    var timestamp: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: created)
    }
}

/// Writes an inventory as a document in one of the formats, as stable JSON bytes.
package enum SBOMWriter {
    package static func document(
        _ format: SBOMFormat, subject: ImageSubject, inventory: Inventory, creation: SBOMCreation
    ) throws -> Data {
        // The documents hold no Date (timestamps are strings), so `.pretty`'s date strategy
        // leaves their bytes as they were.
        let encoder = JSONCoding.encoder(.pretty)
        switch format {
        case .spdxJSON:
            return try encoder.encode(SPDXDocument(subject: subject, inventory: inventory, creation: creation))
        case .cyclonedxJSON:
            return try encoder.encode(CycloneDXDocument(subject: subject, inventory: inventory, creation: creation))
        }
    }

    /// `Name <mail>` → (name, mail).
    static func splitContact(_ text: String) -> (name: String, email: String?) {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return (text.trimmingCharacters(in: .whitespaces), nil)
        }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        return (name, String(text[text.index(after: open)..<close]))
    }

    /// A UUID derived from text, so one image's documents get one stable serial.
    static func stableUUID(_ text: String) -> String {
        var hash = [UInt8](repeating: 0, count: 16)
        // FNV-1a spread over 16 bytes: identity, not security.
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, byte) in text.utf8.enumerated() {
            state = (state ^ UInt64(byte)) &* 0x100_0000_01b3
            hash[index % 16] ^= UInt8(truncatingIfNeeded: state >> 24)
        }
        for index in 0..<16 {
            state = (state ^ UInt64(index)) &* 0x100_0000_01b3
            hash[index] ^= UInt8(truncatingIfNeeded: state >> 32)
        }
        hash[6] = (hash[6] & 0x0f) | 0x50
        hash[8] = (hash[8] & 0x3f) | 0x80
        let hex = hash.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
