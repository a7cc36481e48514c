import Foundation

/// One PEM block (`-----BEGIN TYPE-----`, base64, `-----END TYPE-----`).
package struct PEMBlock: Sendable, Equatable {
    package let type: String
    package let bytes: Data

    package init(type: String, bytes: Data) {
        self.type = type
        self.bytes = bytes
    }

    /// The first PEM block in `text`; nil when there is none or its base64 is damaged.
    package init?(parsing text: String) {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----") }) else { return nil }
        let type = String(lines[begin].dropFirst("-----BEGIN ".count).dropLast(5))
        guard let end = lines[begin...].firstIndex(of: "-----END \(type)-----") else { return nil }
        // Headers (`Key: value`, RFC 1421) are not part of the body.
        let body = lines[(begin + 1)..<end].filter { !$0.contains(":") }.joined()
        guard let bytes = Data(base64Encoded: body) else { return nil }
        self.type = type
        self.bytes = bytes
    }

    /// Lines of 64 base64 characters, as Go's `pem.Encode` writes them.
    package var text: String {
        let base64 = bytes.base64EncodedString()
        var lines = ["-----BEGIN \(type)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let next = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<next]))
            index = next
        }
        lines.append("-----END \(type)-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
