import Foundation

/// A transparency log checkpoint in C2SP signed-note form (c2sp.org/tlog-checkpoint,
/// c2sp.org/signed-note): `origin\nsize\nbase64(root)\n[extensions]\n\n— name base64(hint‖sig)\n…`.
struct SignedCheckpoint {
    struct NoteSignature {
        var name: String
        var keyHint: [UInt8]
        var signature: [UInt8]
    }

    /// The signed text: everything up to and including the newline before the blank line.
    var note: String
    var origin: String
    var size: Int64
    var rootHash: [UInt8]
    var signatures: [NoteSignature]

    init(parsing envelope: String) throws(BundleVerificationError) {
        guard let separator = envelope.range(of: "\n\n") else {
            throw .checkpoint("the checkpoint has no blank line between its text and signatures")
        }
        note = String(envelope[..<separator.lowerBound]) + "\n"
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3 else { throw .checkpoint("the checkpoint text needs origin, size and root hash lines") }
        origin = String(lines[lines.startIndex])
        guard !origin.isEmpty else { throw .checkpoint("the checkpoint's origin line is empty") }
        guard let size = Int64(lines[lines.startIndex + 1]), size >= 0 else {
            throw .checkpoint("the checkpoint's size line '\(lines[lines.startIndex + 1])' is not a number")
        }
        self.size = size
        guard let root = Data(base64Encoded: String(lines[lines.startIndex + 2])), root.count == 32 else {
            throw .checkpoint("the checkpoint's root hash line is not a base64 SHA-256 hash")
        }
        rootHash = [UInt8](root)
        let block = envelope[separator.upperBound...]
        guard block.hasSuffix("\n") else { throw .checkpoint("the checkpoint's signature block does not end with a newline") }
        var signatures: [NoteSignature] = []
        for line in block.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == "\u{2014}", !fields[1].isEmpty,
                let bytes = Data(base64Encoded: String(fields[2])), bytes.count > 4
            else { throw .checkpoint("malformed checkpoint signature line '\(line)'") }
            signatures.append(NoteSignature(name: String(fields[1]), keyHint: Array(bytes.prefix(4)), signature: Array(bytes.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw .checkpoint("the checkpoint carries no signature") }
        self.signatures = signatures
    }

    /// The log's signature: the line whose key hint is the log ID's first four bytes and whose
    /// name is the log (the origin, or for Rekor v1 the origin's host before " - tree ID"). Other
    /// lines (witness cosignatures) are ignored.
    func verify(logID: [UInt8], key: SigningPublicKey) throws(BundleVerificationError) {
        let hint = Array(logID.prefix(4))
        let candidates = signatures.filter { $0.keyHint == hint }
        guard !candidates.isEmpty else {
            throw .checkpoint("no checkpoint signature has the key hint of log \(Data(logID).base64EncodedString())")
        }
        let named = candidates.filter { $0.name == origin || origin.hasPrefix($0.name + " - ") }
        guard !named.isEmpty else {
            throw .checkpoint("the checkpoint signature for this log is by '\(candidates[0].name)', not by its origin '\(origin)'")
        }
        let text = [UInt8](note.utf8)
        guard named.contains(where: { key.isValidSignature($0.signature, for: text) }) else {
            throw .checkpoint("the checkpoint signature does not verify with the log's key")
        }
    }
}
